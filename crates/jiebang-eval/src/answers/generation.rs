//! Metrics of generated text against references, as their reference tools compute them.
//!
//! - `bleu`, `bleu@zh`, `bleu@intl`, `bleu@char`, `bleu@none` — sacrebleu 2.6's corpus BLEU
//!   (4-grams, `exp` smoothing, case kept, the closest reference length with the shorter on a
//!   tie, clipped counts the maximum over references), with tokenizer `13a` (the default), `zh`,
//!   `intl` (mteval-v14's Unicode punctuation and symbol rules), `char` or `none`. The `zh` tokenizer keeps sacrebleu's range quirks: its table's astral ranges are
//!   written as two-character strings, so U+2001…U+2A6D (general punctuation, arrows, maths)
//!   count as Chinese and are split off, astral ideographs are not, and neither are U+9FBC…U+9FFF.
//!   0–100.
//! - `chrf`, `chrf++` — sacrebleu's CHRF (character 6-grams with whitespace removed, word
//!   2-grams for `++` with one leading or trailing ASCII punctuation mark split off, β = 2,
//!   averaged over the orders both sides have), statistics summed over the corpus, the best
//!   reference per segment by its own F. 0–100.
//! - `exact_match`, `f1` — the SQuAD v1.1 script: lower case, ASCII punctuation removed,
//!   articles removed, whitespace collapsed; F1 over the multiset of tokens; the maximum over
//!   references, the mean over questions. 0–1. (Chinese has no spaces, so a Chinese answer is
//!   one token here.)
//!
//! - `rouge1`, `rouge2`, `rougeL`, `rougeLsum` — rouge-score 0.1.2's F-measure (no stemmer),
//!   the best over references, the mean over questions. 0–1. Its default tokenizer keeps only
//!   ASCII letters and digits, so **Chinese scores 0**; `@char` makes every character that is
//!   not whitespace a token (HELM's rule for Chinese); `@jieba` takes jieba's default cut (Python
//!   jieba 0.42's dictionary and HMM, by `jieba-rs`) and drops the tokens that are only
//!   whitespace. `rougeLsum` takes the union LCS over the lines.
//! - `exact_match@zh`, `f1@zh` — the CMRC 2018 script, in [`super::cmrc`].
//!
//! Whitespace is Python's `str.split()`'s: Unicode white space plus U+001C–U+001F, which Rust's
//! `char::is_whitespace` leaves out.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::LazyLock;

use regex::Regex;
use rustc_hash::FxHashMap;

/// sacrebleu's version whose numbers these are, for the signatures.
pub const SACREBLEU: &str = "2.6.0";

/// Python's `str.isspace()`.
pub fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn python_split(text: &str) -> impl Iterator<Item = &str> {
    text.split(is_python_space).filter(|t| !t.is_empty())
}

/// A BLEU tokenizer of sacrebleu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tokenizer {
    /// `13a`, mteval-v13a's: the default.
    T13a,
    /// `zh`: every Chinese character a token, the rest as `13a`'s regular expressions.
    Zh,
    /// `intl`: punctuation split off unless between digits, symbols split off (Unicode classes).
    Intl,
    /// `char`: every character a token.
    Char,
    /// `none`: the text as it is.
    None,
}

impl Tokenizer {
    /// sacrebleu's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Self::T13a => "13a",
            Self::Zh => "zh",
            Self::Intl => "intl",
            Self::Char => "char",
            Self::None => "none",
        }
    }

    /// Tokenizes one segment as sacrebleu does (after its `rstrip`).
    pub fn tokenize(self, line: &str) -> String {
        match self {
            Self::T13a => {
                let mut line = line.replace("<skipped>", "").replace("-\n", "").replace('\n', " ");
                if line.contains('&') {
                    line = line.replace("&quot;", "\"").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
                }
                regexp_tokenize(&format!(" {line} "))
            }
            Self::Zh => {
                let line = line.trim_matches(is_python_space);
                let mut spaced = String::with_capacity(line.len() * 2);
                for c in line.chars() {
                    if is_sacrebleu_chinese(c) {
                        spaced.push(' ');
                        spaced.push(c);
                        spaced.push(' ');
                    } else {
                        spaced.push(c);
                    }
                }
                regexp_tokenize(&spaced)
            }
            Self::Intl => intl_tokenize(line),
            Self::Char => {
                let mut out = String::with_capacity(line.len() * 2);
                for (i, c) in line.chars().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push(c);
                }
                out
            }
            Self::None => line.to_owned(),
        }
    }
}

/// sacrebleu's `_is_chinese_char`, range quirks included (see the module notes).
pub fn is_sacrebleu_chinese(c: char) -> bool {
    const RANGES: &[(u32, u32)] = &[
        (0x3400, 0x4db5),
        (0x4e00, 0x9fa5),
        (0x9fa6, 0x9fbb),
        (0xf900, 0xfa2d),
        (0xfa30, 0xfa6a),
        (0xfa70, 0xfad9),
        // '\u20000'…'\u2a6d6' and '\u2f800'…'\u2fa1d' are two-character strings in Python,
        // compared with one character as strings.
        (0x2001, 0x2a6d),
        (0x2f81, 0x2fa1),
        (0xff00, 0xffef),
        (0x2e80, 0x2eff),
        (0x3000, 0x303f),
        (0x31c0, 0x31ef),
        (0x2f00, 0x2fdf),
        (0x2ff0, 0x2fff),
        (0x3100, 0x312f),
        (0x31a0, 0x31bf),
        (0xfe10, 0xfe1f),
        (0xfe30, 0xfe4f),
        (0x2600, 0x26ff),
        (0x2700, 0x27bf),
        (0x3200, 0x32ff),
        (0x3300, 0x33ff),
    ];
    let c = c as u32;
    RANGES.iter().any(|&(start, end)| (start..=end).contains(&c))
}

/// sacrebleu's `TokenizerV14International`: `(\P{N})(\p{P})` → `\1 \2 `, then
/// `(\p{P})(\P{N})` → ` \1 \2`, then `(\p{S})` → ` \1 `, then whitespace collapsed.
fn intl_tokenize(line: &str) -> String {
    static RULES: LazyLock<[(Regex, &str); 3]> = LazyLock::new(|| {
        let compile = |p: &str| Regex::new(p).expect("a valid pattern");
        [(compile(r"(\P{N})(\p{P})"), "$1 $2 "), (compile(r"(\p{P})(\P{N})"), " $1 $2"), (compile(r"(\p{S})"), " $1 ")]
    });
    let mut text = line.to_owned();
    for (pattern, with) in RULES.iter() {
        text = pattern.replace_all(&text, *with).into_owned();
    }
    python_split(&text).collect::<Vec<_>>().join(" ")
}

/// sacrebleu's `TokenizerRegexp`: its four substitutions, each a left-to-right pass over
/// non-overlapping matches as Python's `re.sub` makes them, then whitespace collapsed.
fn regexp_tokenize(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    // 1. Pad the symbols {-~ [-` space-& (-+ :-@ /.
    let mut step = Vec::with_capacity(chars.len() * 2);
    for &c in &chars {
        if matches!(c, '{'..='~' | '['..='`' | ' '..='&' | '('..='+' | ':'..='@' | '/') {
            step.extend([' ', c, ' ']);
        } else {
            step.push(c);
        }
    }
    // 2. `([^0-9])([\.,])` → `\1 \2 `.
    let step = substitute_pairs(
        &step,
        |a, b| !a.is_ascii_digit() && matches!(b, '.' | ','),
        |a, b, out| out.extend([a, ' ', b, ' ']),
    );
    // 3. `([\.,])([^0-9])` → ` \1 \2`.
    let step = substitute_pairs(
        &step,
        |a, b| matches!(a, '.' | ',') && !b.is_ascii_digit(),
        |a, b, out| out.extend([' ', a, ' ', b]),
    );
    // 4. `([0-9])(-)` → `\1 \2 `.
    let step = substitute_pairs(&step, |a, b| a.is_ascii_digit() && b == '-', |a, b, out| out.extend([a, ' ', b, ' ']));
    let text: String = step.into_iter().collect();
    python_split(&text).collect::<Vec<_>>().join(" ")
}

/// One `re.sub` of a two-character pattern: scan left to right; where the pair matches, emit the
/// replacement and resume after the pair.
fn substitute_pairs(
    chars: &[char],
    matches: impl Fn(char, char) -> bool,
    replace: impl Fn(char, char, &mut Vec<char>),
) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len() + chars.len() / 2);
    let mut i = 0;
    while i < chars.len() {
        if i + 1 < chars.len() && matches(chars[i], chars[i + 1]) {
            replace(chars[i], chars[i + 1], &mut out);
            i += 2;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// BLEU's sufficient statistics of one segment: `[hyp_len, ref_len, correct₁…₄, total₁…₄]`.
pub type BleuStats = [u64; 10];

/// The statistics of `hypothesis` against `references`, both tokenized by `tokenizer`.
pub fn bleu_segment(hypothesis: &str, references: &[&str], tokenizer: Tokenizer) -> BleuStats {
    let prepare = |s: &str| tokenizer.tokenize(s.trim_end_matches(is_python_space));
    let reference_texts: Vec<String> = references.iter().map(|r| prepare(r)).collect();
    let mut reference_counts: FxHashMap<&[&str], u64> = FxHashMap::default();
    let mut reference_lengths = Vec::with_capacity(references.len());
    let reference_tokens: Vec<Vec<&str>> = reference_texts.iter().map(|t| python_split(t).collect()).collect();
    for tokens in &reference_tokens {
        reference_lengths.push(tokens.len() as u64);
        let mut own: FxHashMap<&[&str], u64> = FxHashMap::default();
        for n in 1..=4 {
            for window in tokens.windows(n) {
                *own.entry(window).or_insert(0) += 1;
            }
        }
        for (gram, count) in own {
            let best = reference_counts.entry(gram).or_insert(0);
            *best = (*best).max(count);
        }
    }
    let hypothesis_text = prepare(hypothesis);
    let hypothesis: Vec<&str> = python_split(&hypothesis_text).collect();
    let hyp_len = hypothesis.len() as u64;
    // The closest reference length; the shorter one on a tie.
    let mut closest: Option<(u64, u64)> = None;
    for &length in &reference_lengths {
        let diff = hyp_len.abs_diff(length);
        closest = match closest {
            Some((best_diff, best)) if diff > best_diff || (diff == best_diff && length >= best) => {
                Some((best_diff, best))
            }
            _ => Some((diff, length)),
        };
    }
    let mut stats = [0u64; 10];
    stats[0] = hyp_len;
    stats[1] = closest.map_or(0, |(_, length)| length);
    let mut counts: FxHashMap<&[&str], u64> = FxHashMap::default();
    for n in 1..=4 {
        for window in hypothesis.windows(n) {
            *counts.entry(window).or_insert(0) += 1;
        }
    }
    for (gram, count) in counts {
        let n = gram.len() - 1;
        stats[6 + n] += count;
        stats[2 + n] += count.min(reference_counts.get(gram).copied().unwrap_or(0));
    }
    stats
}

/// Corpus BLEU (0–100) from summed statistics, as sacrebleu's `compute_bleu` with `exp`
/// smoothing and no effective order.
pub fn bleu_score(stats: &[f64]) -> f64 {
    let (sys_len, ref_len) = (stats[0], stats[1]);
    let (correct, total) = (&stats[2..6], &stats[6..10]);
    let bp = if sys_len < ref_len { if sys_len > 0.0 { (1.0 - ref_len / sys_len).exp() } else { 0.0 } } else { 1.0 };
    if correct.iter().all(|c| *c == 0.0) {
        return 0.0;
    }
    let mut precisions = [0.0f64; 4];
    let mut smooth = 1.0f64;
    for n in 0..4 {
        if total[n] == 0.0 {
            break;
        }
        precisions[n] = if correct[n] == 0.0 {
            smooth *= 2.0;
            100.0 / (smooth * total[n])
        } else {
            100.0 * correct[n] / total[n]
        };
    }
    let log = |p: f64| if p == 0.0 { -9_999_999_999.0 } else { p.ln() };
    let sum = precisions.iter().fold(0.0, |acc, p| acc + log(*p));
    bp * (sum / 4.0).exp()
}

/// sacrebleu's signature of a BLEU score.
pub fn bleu_signature(references: &str, tokenizer: Tokenizer) -> String {
    format!("nrefs:{references}|case:mixed|eff:no|tok:{}|smooth:exp|version:{SACREBLEU}", tokenizer.name())
}

const CHAR_ORDER: usize = 6;

/// chrF's statistics of one segment: `[hyp, ref, match]` per order (6 character orders, then
/// `word_order` word orders), of the reference whose own F is best (the first on a tie).
pub fn chrf_segment(hypothesis: &str, references: &[&str], word_order: usize) -> Vec<u64> {
    let hyp_chars: Vec<char> = hypothesis.chars().filter(|c| !is_python_space(*c)).collect();
    let hyp_words = if word_order > 0 { chrf_words(hypothesis) } else { Vec::new() };
    let hyp_grams = ChrfGrams::of(&hyp_chars, &hyp_words, word_order);
    let mut best: Option<(f64, Vec<u64>)> = None;
    for reference in references {
        let ref_chars: Vec<char> = reference.chars().filter(|c| !is_python_space(*c)).collect();
        let ref_words = if word_order > 0 { chrf_words(reference) } else { Vec::new() };
        let ref_grams = ChrfGrams::of(&ref_chars, &ref_words, word_order);
        let mut stats = Vec::with_capacity(3 * (CHAR_ORDER + word_order));
        hyp_grams.compare(&ref_grams, &mut stats);
        let f = chrf_score(&stats.iter().map(|s| *s as f64).collect::<Vec<_>>());
        if best.as_ref().is_none_or(|(best_f, _)| f > *best_f) {
            best = Some((f, stats));
        }
    }
    best.map(|(_, stats)| stats).unwrap_or_else(|| vec![0; 3 * (CHAR_ORDER + word_order)])
}

/// The n-gram counts of one side: character orders 1–6 (whitespace removed), then word orders.
/// Keys borrow the side's characters and words; a word n-gram compared as a slice of words is
/// sacrebleu's space-joined string compared, since no word holds a space.
struct ChrfGrams<'a> {
    chars: Vec<FxHashMap<&'a [char], u64>>,
    words: Vec<FxHashMap<&'a [String], u64>>,
}

impl<'a> ChrfGrams<'a> {
    fn of(chars: &'a [char], words: &'a [String], word_order: usize) -> Self {
        Self {
            chars: (1..=CHAR_ORDER).map(|n| counts(chars, n)).collect(),
            words: (1..=word_order).map(|n| counts(words, n)).collect(),
        }
    }

    /// `[hyp, ref, match]` per order of `self` (the hypothesis) against `reference`.
    fn compare(&self, reference: &Self, stats: &mut Vec<u64>) {
        fn order<T: Eq + Hash + ?Sized>(h: &FxHashMap<&T, u64>, r: &FxHashMap<&T, u64>, stats: &mut Vec<u64>) {
            let (mut matched, mut hyp_count) = (0u64, 0u64);
            for (gram, count) in h {
                hyp_count += count;
                if let Some(r_count) = r.get(gram) {
                    matched += (*count).min(*r_count);
                }
            }
            stats.extend([if r.is_empty() { 0 } else { hyp_count }, r.values().sum(), matched]);
        }
        for (h, r) in self.chars.iter().zip(&reference.chars) {
            order(h, r, stats);
        }
        for (h, r) in self.words.iter().zip(&reference.words) {
            order(h, r, stats);
        }
    }
}

/// How often each n-gram of `items` occurs.
fn counts<T: Eq + Hash>(items: &[T], n: usize) -> FxHashMap<&[T], u64> {
    let mut grams = FxHashMap::default();
    for window in items.windows(n) {
        *grams.entry(window).or_insert(0) += 1;
    }
    grams
}

/// chrF++'s words: split on whitespace, one trailing (else leading) ASCII punctuation mark of a
/// word longer than one character split off.
fn chrf_words(text: &str) -> Vec<String> {
    let punct = |c: char| c.is_ascii_punctuation();
    let mut words = Vec::new();
    for word in python_split(text) {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() == 1 {
            words.push(word.to_owned());
        } else if punct(chars[chars.len() - 1]) {
            words.push(chars[..chars.len() - 1].iter().collect());
            words.push(chars[chars.len() - 1].to_string());
        } else if punct(chars[0]) {
            words.push(chars[0].to_string());
            words.push(chars[1..].iter().collect());
        } else {
            words.push(word.to_owned());
        }
    }
    words
}

/// chrF (0–100) from summed statistics, β = 2, averaged over the effective orders.
pub fn chrf_score(stats: &[f64]) -> f64 {
    const FACTOR: f64 = 4.0;
    let (mut avg_prec, mut avg_rec, mut effective) = (0.0f64, 0.0f64, 0usize);
    for order in stats.chunks_exact(3) {
        let (n_hyp, n_ref, n_match) = (order[0], order[1], order[2]);
        if n_hyp > 0.0 && n_ref > 0.0 {
            avg_prec += n_match / n_hyp;
            avg_rec += n_match / n_ref;
            effective += 1;
        }
    }
    if effective == 0 {
        return 0.0;
    }
    avg_prec /= effective as f64;
    avg_rec /= effective as f64;
    if avg_prec + avg_rec == 0.0 {
        return 0.0;
    }
    let score = (1.0 + FACTOR) * avg_prec * avg_rec / (FACTOR * avg_prec + avg_rec);
    100.0 * score
}

/// sacrebleu's signature of a chrF score.
pub fn chrf_signature(references: &str, word_order: usize) -> String {
    format!("nrefs:{references}|case:mixed|eff:yes|nc:6|nw:{word_order}|space:no|version:{SACREBLEU}")
}

/// SQuAD v1.1's `normalize_answer`.
pub fn squad_normalize(text: &str) -> String {
    let lowered: String = text.to_lowercase().chars().filter(|c| !c.is_ascii_punctuation()).collect();
    // `\b(a|an|the)\b` → ' ', word characters as Python's `\w` (letters, digits, underscore).
    let chars: Vec<char> = lowered.chars().collect();
    let word = |i: usize| chars.get(i).is_some_and(|c| c.is_alphanumeric() || *c == '_');
    let mut out = String::with_capacity(lowered.len());
    let mut i = 0;
    while i < chars.len() {
        let boundary_before = i == 0 || !word(i - 1);
        let article = ["the", "an", "a"].iter().find_map(|a| {
            let n = a.chars().count();
            (boundary_before
                && chars[i..].iter().take(n).copied().eq(a.chars())
                && chars.len() >= i + n
                && !word(i + n))
            .then_some(n)
        });
        match article {
            Some(n) => {
                out.push(' ');
                i += n;
            }
            None => {
                out.push(chars[i]);
                i += 1;
            }
        }
    }
    python_split(&out).collect::<Vec<_>>().join(" ")
}

/// SQuAD v1.1's exact match of one answer, the best over references (0 or 1).
pub fn squad_exact_match(answer: &str, references: &[&str]) -> f64 {
    let answer = squad_normalize(answer);
    f64::from(u8::from(references.iter().any(|r| squad_normalize(r) == answer)))
}

/// SQuAD v1.1's token F1 of one answer, the best over references.
pub fn squad_f1(answer: &str, references: &[&str]) -> f64 {
    let answer = squad_normalize(answer);
    let tokens: Vec<&str> = python_split(&answer).collect();
    references
        .iter()
        .map(|reference| {
            let reference = squad_normalize(reference);
            let gold: Vec<&str> = python_split(&reference).collect();
            let mut counts: HashMap<&str, i64> = HashMap::new();
            for t in &gold {
                *counts.entry(t).or_insert(0) += 1;
            }
            let mut same = 0i64;
            for t in &tokens {
                if let Some(c) = counts.get_mut(t)
                    && *c > 0
                {
                    *c -= 1;
                    same += 1;
                }
            }
            if same == 0 {
                return 0.0;
            }
            let precision = same as f64 / tokens.len() as f64;
            let recall = same as f64 / gold.len() as f64;
            (2.0 * precision * recall) / (precision + recall)
        })
        .fold(f64::NEG_INFINITY, f64::max)
}

/// A ROUGE tokenizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RougeTokenizer {
    /// rouge-score's default: lower case, then the runs of ASCII letters and digits — every
    /// other character, Chinese included, is dropped (so Chinese scores 0).
    Default,
    /// Every character that is not whitespace a token (HELM's rule for Chinese).
    Char,
    /// jieba's default cut (dictionary and HMM), tokens that are only whitespace dropped.
    Jieba,
}

static JIEBA: LazyLock<jieba_rs::Jieba> = LazyLock::new(jieba_rs::Jieba::new);

/// Python jieba hands a run of characters that no dictionary word covers to its `finalseg`,
/// which keeps `[a-zA-Z0-9]+(\.\d+)?%?` together and yields what lies between as it is, so
/// `co-op` is `co`, `-`, `op` and `e.g.` is `e`, `.`, `g`, `.`; jieba-rs keeps such runs whole.
fn split_like_finalseg(word: &str, tokens: &mut Vec<String>) {
    static SKIP: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"[a-zA-Z0-9]+(?:\.[0-9]+)?%?").expect("a valid pattern"));
    let mut last = 0;
    for found in SKIP.find_iter(word) {
        if found.start() > last {
            tokens.push(word[last..found.start()].to_owned());
        }
        tokens.push(found.as_str().to_owned());
        last = found.end();
    }
    if last < word.len() {
        tokens.push(word[last..].to_owned());
    }
}

impl RougeTokenizer {
    /// The tokens of `text`.
    pub fn tokenize(self, text: &str) -> Vec<String> {
        match self {
            Self::Default => {
                let lowered = text.to_lowercase();
                lowered
                    .split(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit()))
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
                    .collect()
            }
            Self::Char => text.chars().filter(|c| !is_python_space(*c)).map(String::from).collect(),
            Self::Jieba => {
                let mut tokens = Vec::new();
                for token in JIEBA.cut(text, true) {
                    let word = token.word;
                    if word.chars().all(is_python_space) {
                        continue;
                    }
                    if word.chars().count() > 1
                        && word.chars().all(|c| c.is_ascii() && !c.is_ascii_whitespace())
                        && !JIEBA.has_word(word)
                    {
                        split_like_finalseg(word, &mut tokens);
                    } else {
                        tokens.push(word.to_owned());
                    }
                }
                tokens
            }
        }
    }
}

/// A ROUGE variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rouge {
    /// ROUGE-N over n-grams.
    N(usize),
    /// ROUGE-L: the longest common subsequence.
    L,
    /// ROUGE-Lsum: the union LCS over the lines.
    Lsum,
}

/// rouge-score 0.1.2's F-measure of `prediction` against the best of `references` (by F).
pub fn rouge(prediction: &str, references: &[&str], kind: Rouge, tokenizer: RougeTokenizer) -> f64 {
    references.iter().map(|reference| rouge_pair(reference, prediction, kind, tokenizer)).fold(0.0, f64::max)
}

fn fmeasure(precision: f64, recall: f64) -> f64 {
    if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 }
}

fn rouge_pair(target: &str, prediction: &str, kind: Rouge, tokenizer: RougeTokenizer) -> f64 {
    // Characters compare as `char`s, without a string per token.
    match tokenizer {
        RougeTokenizer::Char => rouge_tokens(target, prediction, kind, |text| {
            text.chars().filter(|c| !is_python_space(*c)).collect::<Vec<char>>()
        }),
        _ => rouge_tokens(target, prediction, kind, |text| tokenizer.tokenize(text)),
    }
}

fn rouge_tokens<T: Eq + Hash>(target: &str, prediction: &str, kind: Rouge, tokenize: impl Fn(&str) -> Vec<T>) -> f64 {
    match kind {
        Rouge::N(n) => {
            let (t, p) = (tokenize(target), tokenize(prediction));
            let (t, p) = (counts(&t, n), counts(&p, n));
            let overlap: u64 = t.iter().map(|(g, c)| (*c).min(p.get(g).copied().unwrap_or(0))).sum();
            let precision = overlap as f64 / p.values().sum::<u64>().max(1) as f64;
            let recall = overlap as f64 / t.values().sum::<u64>().max(1) as f64;
            fmeasure(precision, recall)
        }
        Rouge::L => {
            let (t, p) = (tokenize(target), tokenize(prediction));
            if t.is_empty() || p.is_empty() {
                return 0.0;
            }
            let lcs = lcs_length(&t, &p);
            fmeasure(lcs as f64 / p.len() as f64, lcs as f64 / t.len() as f64)
        }
        Rouge::Lsum => {
            let sentences =
                |text: &str| -> Vec<Vec<T>> { text.split('\n').filter(|s| !s.is_empty()).map(&tokenize).collect() };
            let (reference, candidate) = (sentences(target), sentences(prediction));
            if reference.is_empty() || candidate.is_empty() {
                return 0.0;
            }
            let m: usize = reference.iter().map(Vec::len).sum();
            let n: usize = candidate.iter().map(Vec::len).sum();
            if m == 0 || n == 0 {
                return 0.0;
            }
            let mut left_r: FxHashMap<&T, i64> = FxHashMap::default();
            let mut left_c: FxHashMap<&T, i64> = FxHashMap::default();
            for t in reference.iter().flatten() {
                *left_r.entry(t).or_insert(0) += 1;
            }
            for t in candidate.iter().flatten() {
                *left_c.entry(t).or_insert(0) += 1;
            }
            let mut hits = 0u64;
            for r in &reference {
                // The union of the LCS positions of r with each candidate sentence, in order.
                let mut union: Vec<usize> = candidate.iter().flat_map(|c| lcs_positions(r, c)).collect();
                union.sort_unstable();
                union.dedup();
                for i in union {
                    let token = &r[i];
                    if left_c.get(token).is_some_and(|c| *c > 0) && left_r.get(token).is_some_and(|c| *c > 0) {
                        hits += 1;
                        *left_c.get_mut(token).unwrap_or(&mut 0) -= 1;
                        *left_r.get_mut(token).unwrap_or(&mut 0) -= 1;
                    }
                }
            }
            fmeasure(hits as f64 / n as f64, hits as f64 / m as f64)
        }
    }
}

/// The length of the longest common subsequence, in two rows of memory.
fn lcs_length<T: Eq>(reference: &[T], candidate: &[T]) -> u32 {
    let mut previous = vec![0u32; candidate.len() + 1];
    let mut current = vec![0u32; candidate.len() + 1];
    for r in reference {
        for (j, c) in candidate.iter().enumerate() {
            current[j + 1] = if r == c { previous[j] + 1 } else { previous[j + 1].max(current[j]) };
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[candidate.len()]
}

fn lcs_table<T: Eq>(reference: &[T], candidate: &[T]) -> Vec<Vec<u32>> {
    let mut table = vec![vec![0u32; candidate.len() + 1]; reference.len() + 1];
    for i in 1..=reference.len() {
        for j in 1..=candidate.len() {
            table[i][j] = if reference[i - 1] == candidate[j - 1] {
                table[i - 1][j - 1] + 1
            } else {
                table[i - 1][j].max(table[i][j - 1])
            };
        }
    }
    table
}

/// The positions in `reference` of one LCS with `candidate`, by rouge-score's backtracking.
fn lcs_positions<T: Eq>(reference: &[T], candidate: &[T]) -> Vec<usize> {
    let table = lcs_table(reference, candidate);
    let (mut i, mut j) = (reference.len(), candidate.len());
    let mut positions = Vec::new();
    while i > 0 && j > 0 {
        if reference[i - 1] == candidate[j - 1] {
            positions.push(i - 1);
            i -= 1;
            j -= 1;
        } else if table[i][j - 1] > table[i - 1][j] {
            j -= 1;
        } else {
            i -= 1;
        }
    }
    positions.reverse();
    positions
}
