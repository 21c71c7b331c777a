//! The option a model's raw answer names (multiple choice, the C-Eval / CMMLU style), by a
//! documented and versioned rule set, [`RULES`]. The answer is normalised first: full-width
//! letters, digits and punctuation become ASCII, 【】「」“” become brackets and quotes, markdown
//! emphasis (`**`, `__`, backticks) is dropped. Then the rules are tried, strongest first:
//!
//! 1. **bare** — the whole answer is one option: `B`, `(B)`, `B.`, `【B】`, `选B`, `**B**`;
//! 2. **conclusive** — a statement of the final answer: 答案 (是 / 为 / ：/ 应该是 …), 故选,
//!    所以选, 因此选, 应选, 应该选, and `the answer (is) X`, `Answer: X`, `final answer`,
//!    `correct answer`, `correct option`;
//! 3. **affirmative** — an option said to be right: `X正确`, `X选项正确`, `X项正确`, `X是对的`,
//!    `选X` (not 选项X), `X is correct`, `option X is right`;
//! 4. **leading** — the answer starts with an option and a separator: `B. 1.5 MPa`, `B、…`.
//!
//! Within the strongest rule that matches, every option it names must agree: two different
//! options with equal force (`答案是A。答案是B`), an alternative (`A或B`, `A or B`) — or nothing
//! at all — leave the answer **unparsed**: wrong, and counted in `unparsed_rate`. Nothing is
//! ever guessed (CMMLU's random fallback is what not to do). A chain of thought that discusses
//! other options (`选项A错误，B也不对……故选C`) parses to its conclusion, since discussion is
//! not of the conclusive kind. Letters beyond the question's choices are ignored (`答案是E` for
//! A–D), and a run of letters that is a word (`Apparently`) is no option. Several options named
//! as a list (`A、C`, `AC`, `A and C`) are one multiple-answer option set, written in order.

/// The version of the rule set, recorded in every report that uses it.
pub const RULES: &str = jiebang_core::answers::CHOICE_RULES;

/// What an answer was parsed as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// The letters named, in alphabetical order (one for a single-answer question).
    Letters(String),
    /// No rule named one answer.
    Unparsed,
}

/// The letters of a question with `count` choices: `A` onwards.
pub fn letters(count: usize) -> Vec<char> {
    ('A'..='Z').take(count.clamp(1, 26)).collect()
}

/// An option found by a rule: letters, or an alternative that names none for sure.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Found {
    Letters(String),
    Alternative,
}

/// One rule: the options it finds in a normalised answer among the valid letters.
type Rule = fn(&[char], &[char]) -> Vec<Found>;

/// The option(s) `answer` names among `valid` letters, by the rules of [`RULES`].
pub fn extract(answer: &str, valid: &[char]) -> Parsed {
    let chars = normalise(answer);
    let rules: [Rule; 4] = [bare, conclusive, affirmative, leading];
    for rule in rules {
        let mut found = rule(&chars, valid);
        found.sort();
        found.dedup();
        match found.as_slice() {
            [] => continue,
            [Found::Letters(letters)] => return Parsed::Letters(letters.clone()),
            _ => return Parsed::Unparsed,
        }
    }
    Parsed::Unparsed
}

/// Full-width forms to ASCII, brackets and quotes unified, markdown emphasis dropped,
/// whitespace runs to one space.
fn normalise(answer: &str) -> Vec<char> {
    let mut out: Vec<char> = Vec::with_capacity(answer.len());
    for c in answer.chars() {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '【' | '〔' | '〖' => '[',
            '】' | '〕' | '〗' => ']',
            '“' | '”' | '「' | '」' | '『' | '』' | '‘' | '’' => '"',
            '。' => '.',
            '、' => ',',
            '*' | '_' | '`' => continue,
            c if c.is_whitespace() => ' ',
            c => c,
        };
        if c == ' ' && out.last().is_none_or(|l| *l == ' ') {
            continue;
        }
        out.push(c);
    }
    while out.last() == Some(&' ') {
        out.pop();
    }
    out
}

const OPENERS: &[char] = &[' ', '(', '[', '"', '\'', '<', '《'];
const CLOSERS: &[char] = &[' ', ')', ']', '"', '\'', '>', '》'];

fn is_letter(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphabetic())
}

/// One option token at `at` (after optional openers): a single letter, or a run of capitals
/// that are all options, not followed by another ASCII letter. Returns its letters and where it
/// ends.
fn token(chars: &[char], mut at: usize, valid: &[char]) -> Option<(Vec<char>, usize)> {
    while chars.get(at).is_some_and(|c| OPENERS.contains(c)) {
        at += 1;
    }
    let start = at;
    while is_letter(chars.get(at)) {
        at += 1;
    }
    let run = &chars[start..at];
    let letters: Vec<char> = match run {
        [] => return None,
        [one] => vec![one.to_ascii_uppercase()],
        _ if run.iter().all(|c| c.is_ascii_uppercase()) => run.to_vec(),
        _ => return None, // a word
    };
    letters.iter().all(|l| valid.contains(l)).then_some((letters, at))
}

/// The option named at `at`: a token, followed by more tokens joined by `,` / 和 / 及 / and
/// (one option set) or by 或 / or (an alternative).
fn option_at(chars: &[char], at: usize, valid: &[char]) -> Option<(Found, usize)> {
    let (mut letters, mut end) = token(chars, at, valid)?;
    let mut alternative = false;
    loop {
        let mut next = end;
        while chars.get(next).is_some_and(|c| CLOSERS.contains(c)) {
            next += 1;
        }
        let rest: String = chars[next.min(chars.len())..].iter().take(4).collect::<String>().to_lowercase();
        let joiner =
            [(",", false), ("和", false), ("及", false), ("与", false), ("and ", false), ("或", true), ("or ", true)]
                .into_iter()
                .find(|(j, _)| rest.starts_with(j));
        let Some((joiner, is_alternative)) = joiner else { break };
        let Some((more, after)) = token(chars, next + joiner.chars().count(), valid) else { break };
        // `A，B选项错误` lists nothing: a listed option ends its phrase.
        if !is_alternative
            && !matches!(chars.get(after), None | Some(' ' | '.' | ',' | ')' | ']' | '"' | ';' | '!' | '?' | ':'))
        {
            break;
        }
        letters.extend(more);
        alternative |= is_alternative;
        end = after;
    }
    if alternative {
        return Some((Found::Alternative, end));
    }
    letters.sort_unstable();
    letters.dedup();
    Some((Found::Letters(letters.into_iter().collect()), end))
}

/// Where `needle` (lower case) occurs, case-insensitively.
fn find_all(chars: &[char], needle: &str) -> Vec<usize> {
    let needle: Vec<char> = needle.chars().collect();
    (0..chars.len())
        .filter(|&i| {
            chars.len() - i >= needle.len()
                && chars[i..i + needle.len()].iter().zip(&needle).all(|(c, n)| c.to_ascii_lowercase() == *n)
        })
        .collect()
}

/// The whole answer is one option, perhaps wrapped, after 选, or ending in punctuation.
fn bare(chars: &[char], valid: &[char]) -> Vec<Found> {
    let trim = |c: &char| OPENERS.contains(c) || CLOSERS.contains(c) || ".,;:!?".contains(*c);
    let start = chars.iter().position(|c| !trim(c)).unwrap_or(chars.len());
    let end = chars.iter().rposition(|c| !trim(c)).map_or(start, |e| e + 1);
    let mut inner = &chars[start..end.max(start)];
    if inner.first() == Some(&'选') {
        inner = &inner[1..];
    }
    match option_at(inner, 0, valid) {
        Some((found, end)) if inner[end..].iter().all(trim) => vec![found],
        _ => Vec::new(),
    }
}

/// The options named right after each of `markers`, past connectives (是, 为, :, is …).
fn after_markers(chars: &[char], valid: &[char], markers: &[&str]) -> Vec<Found> {
    const CONNECTIVES: &[&str] = &[
        " ",
        ":",
        "是",
        "为",
        "应该是",
        "应是",
        "应为",
        "选",
        "选项",
        "is",
        "be",
        "would be",
        "option",
        "choice",
        "-",
    ];
    let mut found = Vec::new();
    for marker in markers {
        for at in find_all(chars, marker) {
            if marker.starts_with(|c: char| c.is_ascii_alphabetic()) && is_letter(chars.get(at.wrapping_sub(1))) {
                continue; // inside a word
            }
            let mut next = at + marker.chars().count();
            loop {
                let rest: String = chars[next.min(chars.len())..].iter().take(9).collect::<String>().to_lowercase();
                let skip = CONNECTIVES
                    .iter()
                    .filter(|w| {
                        rest.starts_with(*w)
                            && !(w.ends_with(|c: char| c.is_ascii_alphabetic())
                                && is_letter(rest.chars().nth(w.len()).as_ref()))
                    })
                    .map(|w| w.chars().count())
                    .max();
                match skip {
                    Some(n) => next += n,
                    None => break,
                }
            }
            if let Some((option, _)) = option_at(chars, next, valid) {
                found.push(option);
            }
        }
    }
    found
}

fn conclusive(chars: &[char], valid: &[char]) -> Vec<Found> {
    const MARKERS: &[&str] = &[
        "答案",
        "故选",
        "所以选",
        "因此选",
        "因而选",
        "于是选",
        "应选",
        "应该选",
        "the answer",
        "answer:",
        "answer is",
        "final answer",
        "correct answer",
        "correct option",
        "correct choice",
    ];
    after_markers(chars, valid, MARKERS)
}

/// `X正确`, `X选项正确`, `X is correct` …, and `选X` (but not `选项X`, which only discusses).
fn affirmative(chars: &[char], valid: &[char]) -> Vec<Found> {
    const AFFIRMATIONS: &[&str] = &["正确", "是对的", "是正确的", "is correct", "is right", "is true"];
    const SUFFIXES: &[&str] = &["选项", "项", " option"];
    let mut found = Vec::new();
    for affirmation in AFFIRMATIONS {
        for at in find_all(chars, affirmation) {
            let mut end = at;
            while end > 0 && CLOSERS.contains(&chars[end - 1]) {
                end -= 1;
            }
            // X也正确 affirms X as much as X正确 does.
            if end > 0 && matches!(chars[end - 1], '也' | '亦') {
                end -= 1;
            }
            if let Some(suffix) = SUFFIXES.iter().find(|s| {
                let n = s.chars().count();
                end >= n && chars[end - n..end].iter().collect::<String>().to_lowercase() == **s
            }) {
                end -= suffix.chars().count();
            }
            while end > 0 && CLOSERS.contains(&chars[end - 1]) {
                end -= 1;
            }
            let mut start = end;
            while start > 0 && is_letter(chars.get(start - 1)) {
                start -= 1;
            }
            if start == end {
                continue;
            }
            // 不正确 / 不是对的 / is not correct are no affirmation.
            let before: String = chars[..at].iter().rev().take(3).collect();
            if before.contains('不') || chars[end..at].iter().collect::<String>().to_lowercase().contains("not") {
                continue;
            }
            if let Some((option, _)) = option_at(&chars[..end], start, valid) {
                found.push(option);
            }
        }
    }
    for at in find_all(chars, "选") {
        if chars.get(at + 1) != Some(&'项')
            && let Some((option, _)) = option_at(chars, at + 1, valid)
        {
            found.push(option);
        }
    }
    found
}

fn leading(chars: &[char], valid: &[char]) -> Vec<Found> {
    match option_at(chars, 0, valid) {
        Some((found, end)) if matches!(chars.get(end), Some('.' | ',' | ':' | ')' | ']' | ' ' | ';')) => vec![found],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (answer, expected letters or "" for unparsed), for a question with options A–D.
    const TABLE: &[(&str, &str)] = &[
        // Bare options.
        ("B", "B"),
        ("b", "B"),
        ("(C)", "C"),
        ("D.", "D"),
        ("【A】", "A"),
        ("Ｂ", "B"),
        ("（Ｃ）", "C"),
        ("**D**", "D"),
        ("`A`", "A"),
        ("选B", "B"),
        ("  C  \n", "C"),
        ("“A”", "A"),
        // Conclusive statements in Chinese.
        ("答案是B", "B"),
        ("答案为C。", "C"),
        ("答案：D", "D"),
        ("答案：**A**", "A"),
        ("正确答案是 B", "B"),
        ("最终答案：C", "C"),
        ("故选D。", "D"),
        ("所以选A", "A"),
        ("因此选 B 项", "B"),
        ("应选C", "C"),
        ("应该选D选项", "D"),
        ("本题答案应该是A", "A"),
        ("答案选B", "B"),
        ("答案：【C】", "C"),
        ("答案是（Ｄ）", "D"),
        // Conclusive statements in English.
        ("The answer is B.", "B"),
        ("The answer is (C)", "C"),
        ("Answer: D", "D"),
        ("answer: a", "A"),
        ("So the final answer is B", "B"),
        ("The correct answer is C.", "C"),
        ("The correct option is D", "D"),
        ("Therefore, the answer would be A.", "A"),
        // Affirmative statements.
        ("选项B正确", "B"),
        ("C选项正确", "C"),
        ("D项正确。", "D"),
        ("A是对的", "A"),
        ("B is correct.", "B"),
        ("Option C is correct", "C"),
        ("我选D", "D"),
        // Leading options with an explanation.
        ("B. 1.5 MPa", "B"),
        ("C、压力容器应定期检验", "C"),
        ("A: 因为反应放热", "A"),
        ("(D) 氮气置换", "D"),
        // Chains of thought that discuss other options before concluding.
        ("选项A错误，因为温度过高；选项B也不对。综上，答案是C。", "C"),
        ("A选项错误，B选项错误，C选项正确，所以答案是C", "C"),
        ("Option A is wrong because of X. Option B is incorrect. Therefore the answer is D.", "D"),
        ("Let's think. A would overheat; B lacks a relief valve. The answer is (C).", "C"),
        ("首先分析A，再看B……最终答案：B", "B"),
        ("A不正确，B正确。", "B"),
        ("A is not correct; D is correct.", "D"),
        // Multiple-answer option sets.
        ("答案是A、C", "AC"),
        ("答案：AC", "AC"),
        ("The answer is A and C.", "AC"),
        ("答案是A，B选项错误", "A"),
        // Unparsed: none, or different options with equal force, or an alternative.
        ("", ""),
        ("我不知道", ""),
        ("答案是A。答案是B。", ""),
        ("答案是A或B", ""),
        ("The answer is A or B.", ""),
        ("Apparently none of them.", ""),
        ("答案是E", ""),
        ("选项A和选项B都有道理", ""),
        ("B正确，C也正确", ""),
        ("参考答案解析见教材", ""),
        ("The answer is not clear.", ""),
    ];

    #[test]
    fn the_rule_set_reads_each_answer_style() {
        let valid = letters(4);
        assert!(TABLE.len() >= 60);
        let mut wrong = Vec::new();
        for (answer, expected) in TABLE {
            let want = if expected.is_empty() { Parsed::Unparsed } else { Parsed::Letters((*expected).into()) };
            let got = extract(answer, &valid);
            if got != want {
                wrong.push(format!("{answer:?}: {got:?}, expected {want:?}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn letters_beyond_the_choices_are_ignored() {
        assert_eq!(extract("答案是E", &letters(5)), Parsed::Letters("E".into()));
        assert_eq!(extract("E", &letters(4)), Parsed::Unparsed);
        assert_eq!(letters(3), ['A', 'B', 'C']);
    }
}
