#!/usr/bin/env python3
"""Writes crates/jiebang-eval/tests/fixtures/generation.json: randomized corpora of Chinese,
English and mixed answers — full-width punctuation, emoji, numbers with separators, HTML
entities, the odd whitespace Python splits on, the code points where sacrebleu's `zh` table has
quirks, empty answers, one to three references — scored by the reference tools: sacrebleu 2.6.0
(BLEU with the 13a, zh, intl, char and none tokenizers; chrF; chrF++), rouge-score 0.1.2 (ROUGE-1,
-2, -L and -Lsum with its tokenizer, with every non-space character a token and with jieba 0.42's
default cut), the SQuAD v1.1 script's exact match and F1 and the CMRC 2018 script's (their
functions, as published; CMRC's `word_tokenize` with `preserve_line=True`, since NLTK's punkt
model is not on PyPI). Also the tokenizations themselves. jiebang's `answers::generation` and
`answers::cmrc` must agree to 1e-9; scripts/test regenerates this file and compares."""
import json
import pathlib
import random
import re
import string
import sys
from collections import Counter

import jieba
import nltk
import sacrebleu
from rouge_score import rouge_scorer
from sacrebleu.metrics import BLEU, CHRF

OUT = pathlib.Path(__file__).resolve().parent.parent / "crates" / "jiebang-eval" / "tests" / "fixtures" / "generation.json"


# The SQuAD v1.1 evaluation script's functions.
def normalize_answer(s):
    def remove_articles(text):
        return re.sub(r"\b(a|an|the)\b", " ", text)

    def white_space_fix(text):
        return " ".join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return "".join(ch for ch in text if ch not in exclude)

    return white_space_fix(remove_articles(remove_punc(s.lower())))


def f1_score(prediction, ground_truth):
    prediction_tokens = normalize_answer(prediction).split()
    ground_truth_tokens = normalize_answer(ground_truth).split()
    common = Counter(prediction_tokens) & Counter(ground_truth_tokens)
    num_same = sum(common.values())
    if num_same == 0:
        return 0
    precision = 1.0 * num_same / len(prediction_tokens)
    recall = 1.0 * num_same / len(ground_truth_tokens)
    return (2 * precision * recall) / (precision + recall)


def exact_match_score(prediction, ground_truth):
    return normalize_answer(prediction) == normalize_answer(ground_truth)


def metric_max_over_ground_truths(metric_fn, prediction, ground_truths):
    return max(metric_fn(prediction, gt) for gt in ground_truths)


# The CMRC 2018 evaluation script's functions (v5), word_tokenize without punkt.
SP_CHAR = ['-', ':', '_', '*', '^', '/', '\\', '~', '`', '+', '=', '，', '。', '：', '？', '！', '“', '”', '；', '’', '《',
           '》', '……', '·', '、', '「', '」', '（', '）', '－', '～', '『', '』']


def word_tokenize(text):
    return nltk.word_tokenize(text, preserve_line=True)


def mixed_segmentation(in_str, rm_punc=False):
    in_str = str(in_str).lower().strip()
    segs_out = []
    temp_str = ""
    for char in in_str:
        if rm_punc and char in SP_CHAR:
            continue
        if re.search(r'[\u4e00-\u9fa5]', char) or char in SP_CHAR:
            if temp_str != "":
                segs_out.extend(word_tokenize(temp_str))
                temp_str = ""
            segs_out.append(char)
        else:
            temp_str += char
    if temp_str != "":
        segs_out.extend(word_tokenize(temp_str))
    return segs_out


def remove_punctuation(in_str):
    in_str = str(in_str).lower().strip()
    return ''.join(char for char in in_str if char not in SP_CHAR)


def find_lcs(s1, s2):
    m = [[0 for i in range(len(s2) + 1)] for j in range(len(s1) + 1)]
    mmax = 0
    p = 0
    for i in range(len(s1)):
        for j in range(len(s2)):
            if s1[i] == s2[j]:
                m[i + 1][j + 1] = m[i][j] + 1
                if m[i + 1][j + 1] > mmax:
                    mmax = m[i + 1][j + 1]
                    p = i + 1
    return s1[p - mmax:p], mmax


def cmrc_f1(answers, prediction):
    f1_scores = []
    for ans in answers:
        ans_segs = mixed_segmentation(ans, rm_punc=True)
        prediction_segs = mixed_segmentation(prediction, rm_punc=True)
        lcs, lcs_len = find_lcs(ans_segs, prediction_segs)
        if lcs_len == 0:
            f1_scores.append(0)
            continue
        precision = 1.0 * lcs_len / len(prediction_segs)
        recall = 1.0 * lcs_len / len(ans_segs)
        f1_scores.append((2 * precision * recall) / (precision + recall))
    return max(f1_scores)


def cmrc_em(answers, prediction):
    for ans in answers:
        if remove_punctuation(ans) == remove_punctuation(prediction):
            return 1
    return 0


CHINESE = ["反应釜", "压力", "温度", "氮气", "置换", "安全阀", "泄漏", "检测", "合成氨", "催化剂", "工艺", "设备",
           "应", "在", "的", "进行", "动火", "作业", "前", "必须", "大模型", "化工", "储罐", "爆炸", "下限"]
ENGLISH = ["the", "a", "an", "pressure", "valve", "The", "reactor", "is", "set", "at", "safety", "GPU", "H200",
           "model", "Answer", "nitrogen", "purge", "don't", "e.g.", "U.S.", "co-op", "state-of-the-art"]
NUMBERS = ["1.5", "0.6", "1,000", "3-4", "2025", "15–30", "110%", "141GB", "400℃", "-5", "1.", ".5"]
PUNCT = ["，", "。", "、", "：", "；", "！", "？", "（", "）", "“", "”", "《", "》", "—", "…", ",", ".", "!", "?", ":",
         ";", "(", ")", "\"", "'", "-", "&", "/", "[", "]", "{", "}", "<", ">", "@", "#", "$", "%", "^", "*",
         "_", "`", "~", "|", "+", "="]
ODD = ["😀", "🔥", "&quot;", "&amp;", "&lt;", "&gt;", "<skipped>", "-\n", "\n", "\u00a0", "\u3000", "\x1c",
       "\x1f", "\u2013", "\u2000", "\u2001", "\u2a6d", "\u2a6e", "\U00020000", "\U00020001", "\u9fbc", "\u9fa5",
       "\u2f80", "\u2f81", "\u2fa1", "\u2fa2", "\uff21", "\uff10", "Ｈ２Ｏ", "Σσς", "ÉCOLE", "……", "·", "「",
       "cannot", "gonna", "'t is", "''", "``", "'a", "can't", "«", "»", "“quoted”", "--", "...", "€", "±", "½", "²", "C++", "AT&T", "c#", "3.5%", "H2O"]


def phrase(rng):
    parts = []
    for _ in range(rng.randint(0, 14)):
        pool = rng.choices([CHINESE, ENGLISH, NUMBERS, PUNCT, ODD], weights=[8, 5, 2, 3, 1])[0]
        parts.append(rng.choice(pool))
    sep = rng.choice(["", " ", " ", "  "])
    return sep.join(parts)


def corpus(rng, size):
    refs_per = [rng.randint(1, 3) for _ in range(size)]
    refs = [[phrase(rng) for _ in range(n)] for n in refs_per]
    hyps = []
    for r in refs:
        roll = rng.random()
        if roll < 0.25:
            hyps.append(r[0])  # an exact answer
        elif roll < 0.6:
            words = r[0].split() or list(r[0])
            rng.shuffle(words)
            hyps.append(" ".join(words[: max(1, len(words) - rng.randint(0, 2))]))
        else:
            hyps.append(phrase(rng))
    return hyps, refs


class CharTokenizer:
    """Every character that is not whitespace a token (HELM's rule for Chinese)."""

    def tokenize(self, text):
        return [c for c in text if not c.isspace()]


class JiebaTokenizer:
    """jieba's default cut, tokens that are only whitespace dropped."""

    def tokenize(self, text):
        return [w for w in jieba.cut(text) if w.strip()]


ROUGE = ["rouge1", "rouge2", "rougeL", "rougeLsum"]


def scores(hyps, refs):
    width = max(len(r) for r in refs)
    streams = [[r[i] if i < len(r) else None for r in refs] for i in range(width)]
    out = {}
    for name, tok in [("bleu", "13a"), ("bleu@zh", "zh"), ("bleu@intl", "intl"), ("bleu@char", "char"),
                      ("bleu@none", "none")]:
        out[name] = BLEU(tokenize=tok).corpus_score(hyps, streams).score
    out["chrf"] = CHRF().corpus_score(hyps, streams).score
    out["chrf++"] = CHRF(word_order=2).corpus_score(hyps, streams).score
    out["exact_match"] = sum(float(metric_max_over_ground_truths(exact_match_score, h, r)) for h, r in zip(hyps, refs)) / len(hyps)
    out["f1"] = sum(metric_max_over_ground_truths(f1_score, h, r) for h, r in zip(hyps, refs)) / len(hyps)
    out["exact_match@zh"] = sum(float(cmrc_em(r, h)) for h, r in zip(hyps, refs)) / len(hyps)
    out["f1@zh"] = sum(cmrc_f1(r, h) for h, r in zip(hyps, refs)) / len(hyps)
    for suffix, tokenizer in [("", None), ("@char", CharTokenizer()), ("@jieba", JiebaTokenizer())]:
        for kind in ROUGE:
            scorer = rouge_scorer.RougeScorer([kind], tokenizer=tokenizer)
            out[kind + suffix] = sum(scorer.score_multi(r, h)[kind].fmeasure for h, r in zip(hyps, refs)) / len(hyps)
    return out


def main():
    assert sacrebleu.__version__ == "2.6.0", sacrebleu.__version__
    from importlib.metadata import version
    assert version("rouge-score") == "0.1.2", version("rouge-score")
    assert jieba.__version__ == "0.42.1", jieba.__version__
    assert nltk.__version__ == "3.9.1", nltk.__version__
    jieba.setLogLevel(60)
    rng = random.Random(2025)
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a
    from sacrebleu.tokenizers.tokenizer_zh import TokenizerZh
    from sacrebleu.tokenizers.tokenizer_char import TokenizerChar
    from sacrebleu.tokenizers.tokenizer_intl import TokenizerV14International
    tokenizers = {"13a": Tokenizer13a(), "zh": TokenizerZh(), "intl": TokenizerV14International(),
                  "char": TokenizerChar()}
    lines = [phrase(rng) for _ in range(400)] + ODD + PUNCT + NUMBERS
    tokenize = [{"line": line, **{name: t(line.rstrip()) for name, t in tokenizers.items()},
                 "nltk": word_tokenize(line), "cmrc": mixed_segmentation(line, rm_punc=True),
                 "jieba": JiebaTokenizer().tokenize(line)} for line in lines]
    squad = [{"answer": phrase(rng), "normalized": None} for _ in range(200)] + [
        {"answer": a, "normalized": None} for a in ["The Answer", "an apple a day", "theatre", "A.B.C.", "the中文", "ΣΑΣ the end"]]
    for case in squad:
        case["normalized"] = normalize_answer(case["answer"])
    corpora = []
    for size in [1, 2, 3, 5, 8, 13, 40, 200]:
        for _ in range(4):
            hyps, refs = corpus(rng, size)
            corpora.append({"hyps": hyps, "refs": refs, "scores": scores(hyps, refs)})
    # Edge cases: empty answers, an empty reference, no overlap, identical.
    edges = [
        ([""], [["氮气置换"]]),
        (["氮气置换"], [[""]]),
        (["", ""], [["a b"], [""]]),
        (["完全 不同"], [["毫无 关系"]]),
        (["相同的回答。"], [["相同的回答。"]]),
        (["The cat sat on the mat."], [["The cat is on the mat.", "There is a cat on the mat."]]),
        (["《危险化学品安全管理条例》"], [["危险化学品安全管理条例", "条例"]]),
        (["答：GB 30871-2022。"], [["GB30871—2022"], ["gb 30871-2022"]]),
        (["I cannot say, don't know."], [["can not say"]]),
    ]
    for hyps, refs in edges:
        corpora.append({"hyps": hyps, "refs": refs, "scores": scores(hyps, refs)})
    OUT.write_text(json.dumps({"sacrebleu": sacrebleu.__version__, "tokenize": tokenize, "squad": squad, "corpora": corpora},
                              ensure_ascii=False, indent=0) + "\n")
    print(f"wrote {len(tokenize)} tokenizations, {len(squad)} SQuAD normalisations and {len(corpora)} corpora "
          f"scored by sacrebleu {sacrebleu.__version__} to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
