//! `exact_match@zh` and `f1@zh`: the CMRC 2018 official evaluation script's rules for Chinese
//! extractive answers, on the 0–1 scale of the other means (the script prints them × 100).
//!
//! - Both sides are lower-cased and stripped. *Mixed segmentation* makes every character in
//!   U+4E00…U+9FA5 a token and tokenizes the runs between them with NLTK's `word_tokenize`.
//! - F1 takes precision and recall from the **longest common contiguous run** of tokens, with
//!   the script's punctuation list removed first; the best over references.
//! - EM compares the strings after removing that punctuation list; the list's `……` is a
//!   two-character string that never equals one character, so `…` is kept, as in the script.
//!
//! One documented difference: the script's `word_tokenize` first splits sentences with NLTK's
//! `punkt` model, which is not published on PyPI and so cannot be pinned. jiebang runs NLTK's
//! word tokenizer on the whole run (`word_tokenize(run, preserve_line=True)`), which differs
//! only where a run holds a sentence end followed by another sentence — rare in an answer span.
//! The fixtures are computed that way from NLTK 3.9.1.

use std::sync::LazyLock;

use regex::Regex;

use super::generation::is_python_space;

/// The script's punctuation list, less its two-character `……`, which never matches.
const PUNCTUATION: &[char] = &[
    '-', ':', '_', '*', '^', '/', '\\', '~', '`', '+', '=', '，', '。', '：', '？', '！', '“', '”', '；', '’', '《',
    '》', '·', '、', '「', '」', '（', '）', '－', '～', '『', '』',
];

fn is_cmrc_chinese(c: char) -> bool {
    ('\u{4e00}'..='\u{9fa5}').contains(&c)
}

/// The script's `mixed_segmentation(text, rm_punc=True)`: a removed punctuation mark does not
/// end the run it sits in.
pub fn mixed_segmentation(text: &str) -> Vec<String> {
    let text = text.to_lowercase();
    let mut tokens = Vec::new();
    let mut run = String::new();
    for c in text.trim_matches(is_python_space).chars() {
        if PUNCTUATION.contains(&c) {
            continue;
        }
        if is_cmrc_chinese(c) {
            if !run.is_empty() {
                tokens.extend(nltk_word_tokenize(&run));
                run.clear();
            }
            tokens.push(c.to_string());
        } else {
            run.push(c);
        }
    }
    if !run.is_empty() {
        tokens.extend(nltk_word_tokenize(&run));
    }
    tokens
}

/// The script's `remove_punctuation`.
pub fn remove_punctuation(text: &str) -> String {
    text.to_lowercase().trim_matches(is_python_space).chars().filter(|c| !PUNCTUATION.contains(c)).collect()
}

/// CMRC exact match of one answer, the best over references (0 or 1).
pub fn exact_match(answer: &str, references: &[&str]) -> f64 {
    let answer = remove_punctuation(answer);
    f64::from(u8::from(references.iter().any(|r| remove_punctuation(r) == answer)))
}

/// CMRC F1 of one answer, the best over references.
pub fn f1(answer: &str, references: &[&str]) -> f64 {
    let prediction = mixed_segmentation(answer);
    references
        .iter()
        .map(|reference| {
            let reference = mixed_segmentation(reference);
            let common = longest_common_run(&reference, &prediction);
            if common == 0 {
                return 0.0;
            }
            let precision = common as f64 / prediction.len() as f64;
            let recall = common as f64 / reference.len() as f64;
            (2.0 * precision * recall) / (precision + recall)
        })
        .fold(0.0, f64::max)
}

/// The length of the longest contiguous run of tokens both sides share (the script's
/// `find_lcs`), in one row of memory.
fn longest_common_run(a: &[String], b: &[String]) -> usize {
    let mut previous = vec![0usize; b.len() + 1];
    let mut current = vec![0usize; b.len() + 1];
    let mut best = 0;
    for x in a {
        for (j, y) in b.iter().enumerate() {
            current[j + 1] = if x == y { previous[j] + 1 } else { 0 };
            best = best.max(current[j + 1]);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    best
}

/// One substitution of NLTK's tokenizer: a pattern and its replacement (`$1`, `$0`).
struct Rule(Regex, &'static str);

fn rules(table: &[(&str, &'static str)]) -> Vec<Rule> {
    table.iter().map(|(pattern, with)| Rule(Regex::new(pattern).expect("a valid pattern"), with)).collect()
}

/// Python's `\s` in a `str` pattern: Rust's `\s` plus U+001C…U+001F.
macro_rules! space {
    () => {
        r"[\s\x1C-\x1F]"
    };
}

static STARTING_QUOTES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    rules(&[("([«“‘„]|`+)", " $1 "), ("^\"", "``"), ("(``)", " $1 "), (r#"([ (\[{<])("|'')"#, "$1 `` ")])
});

static PUNCTUATION_RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    rules(&[
        (concat!(r#"([^.])(\.)([\])}>"'»”’ ]*)"#, space!(), "*$"), "$1 $2 $3 "),
        (r"([:,])([^\d])", " $1 $2"),
        (r"([:,])$", " $1 "),
        (r"\.{2,}", " $0 "),
        (r"[;@#$%&]", " $0 "),
        (concat!(r#"([^.])(\.)([\])}>"']*)"#, space!(), "*$"), "$1 $2$3 "),
        (r"[?!]", " $0 "),
        (r"([^'])' ", "$1 ' "),
        (r"\*", " $0 "),
        (r"[\]\[(){}<>]", " $0 "),
        ("--", " -- "),
    ])
});

static ENDING_QUOTES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    rules(&[
        ("([»”’])", " $1 "),
        ("''", " '' "),
        ("\"", " '' "),
        (concat!(space!(), "+"), " "),
        ("([^' ])('[sS]|'[mM]|'[dD]|') ", "$1 $2 "),
        ("([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ", "$1 $2 "),
        // MacIntyre's contractions; `(?=\s)` of "wanna" becomes a captured space put back.
        (r"(?i)\b(can)(not)\b", " $1 $2 "),
        (r"(?i)\b(d)('ye)\b", " $1 $2 "),
        (r"(?i)\b(gim)(me)\b", " $1 $2 "),
        (r"(?i)\b(gon)(na)\b", " $1 $2 "),
        (r"(?i)\b(got)(ta)\b", " $1 $2 "),
        (r"(?i)\b(lem)(me)\b", " $1 $2 "),
        (r"(?i)\b(more)('n)\b", " $1 $2 "),
        (concat!(r"(?i)\b(wan)(na)(", space!(), ")"), " $1 $2 $3"),
        (r"(?i) ('t)(is)\b", " $1 $2 "),
        (r"(?i) ('t)(was)\b", " $1 $2 "),
    ])
});

fn apply(rules: &[Rule], mut text: String) -> String {
    for Rule(pattern, with) in rules {
        if let std::borrow::Cow::Owned(changed) = pattern.replace_all(&text, *with) {
            text = changed;
        }
    }
    text
}

/// NLTK's `NLTKWordTokenizer().tokenize(text)` (what `word_tokenize(text, preserve_line=True)`
/// returns), with parentheses kept as they are.
pub fn nltk_word_tokenize(text: &str) -> Vec<String> {
    let text = apply(&STARTING_QUOTES, text.to_owned());
    let text = split_quote_before_letter(&text);
    let text = apply(&PUNCTUATION_RULES, text);
    let text = apply(&ENDING_QUOTES, format!(" {text} "));
    text.split(is_python_space).filter(|t| !t.is_empty()).map(str::to_owned).collect()
}

/// `(?i)(\')(?!re|ve|ll|m|t|s|d|n)(\w)\b` → `\1 \2`: a quote before a one-letter word that is
/// not a clitic gets a space. (The look-ahead, which Rust's `regex` lacks, by hand: a
/// one-character word cannot start with `re`, `ve` or `ll`, so only the letters are checked.)
fn split_quote_before_letter(text: &str) -> String {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 4);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        out.push(c);
        if c == '\''
            && let Some(&next) = chars.get(i + 1)
            && word(next)
            && !"mtsdnMTSDNſ".contains(next)
            && chars.get(i + 2).is_none_or(|after| !word(*after))
        {
            out.push(' ');
            out.push(next);
            i += 2;
            continue;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nltk_examples() {
        let tokens = nltk_word_tokenize(
            "Good muffins cost $3.88 (roughly 3,36 euros)\nin New York.  Please buy me\ntwo of them.\nThanks.",
        );
        assert_eq!(
            tokens,
            [
                "Good", "muffins", "cost", "$", "3.88", "(", "roughly", "3,36", "euros", ")", "in", "New", "York.",
                "Please", "buy", "me", "two", "of", "them.", "Thanks", "."
            ]
        );
        assert_eq!(nltk_word_tokenize("I cannot, won't go 'a"), ["I", "can", "not", ",", "wo", "n't", "go", "'", "a"]);
        assert_eq!(nltk_word_tokenize("\"quoted\" text"), ["``", "quoted", "''", "text"]);
    }

    #[test]
    fn cmrc_segments_and_scores() {
        assert_eq!(mixed_segmentation(" 氮气置换 3 次，pH=7. "), ["氮", "气", "置", "换", "3", "次", "ph7", "."]);
        assert_eq!(exact_match("《GB 30871》", &["gb 30871"]), 1.0);
        assert_eq!(exact_match("GB…", &["GB"]), 0.0);
        // LCS 2 of 3 prediction tokens, 2 of 4 reference tokens.
        let f = f1("置换法", &["氮气置换"]);
        assert!((f - 2.0 * (2.0 / 3.0) * 0.5 / (2.0 / 3.0 + 0.5)).abs() < 1e-12);
        assert_eq!(f1("", &["氮气"]), 0.0);
    }
}
