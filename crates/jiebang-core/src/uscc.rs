//! The unified social credit code (统一社会信用代码, GB 32100-2015) that identifies every
//! organization: 18 characters over a 31-symbol alphabet, the last one a mod-31 check character.
//!
//! Positions 3–8 record the registration authority's region *when the code was issued* and never
//! change, so they are deliberately not checked against today's GB/T 2260 table (a code issued in
//! Laiwu, 3712xx, stays valid after Laiwu was merged into Jinan).

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// The 31 symbols, in value order: digits and upper-case letters without I, O, S, V, Z.
const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weight of position i (1-based) is 3^(i-1) mod 31.
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// A valid unified social credit code, normalised to 18 half-width upper-case characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

fn value_of(c: char) -> Option<u32> {
    ALPHABET.find(c).map(|i| i as u32)
}

/// The check character for the first 17 characters, which must all be in the alphabet.
fn check_character(first17: &str) -> char {
    let sum: u32 = first17.chars().zip(WEIGHTS).map(|(c, w)| value_of(c).unwrap_or(0) * w).sum();
    let value = (31 - sum % 31) % 31;
    ALPHABET.as_bytes()[value as usize] as char
}

/// Full-width ASCII (Ａ１－) to half-width, drops spaces and hyphens, upper-cases.
fn normalise(input: &str) -> String {
    input
        .chars()
        .map(crate::text::half_width)
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

impl CreditCode {
    /// Parses and checks a code as a person might type it (spaces, full-width characters and
    /// lower case are accepted and normalised).
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let err = |message: String| FieldError::new("credit_code", message);
        let code = normalise(input);
        let n = code.chars().count();
        if n == 0 {
            return Err(err("必填 / required".into()));
        }
        if n == 15 && code.chars().all(|c| c.is_ascii_digit()) {
            return Err(err("这是2015年以前的15位工商注册号，不是统一社会信用代码；请填写营业执照上的18位代码 / \
                 this is a pre-2015 15-digit business registration number, not a unified social \
                 credit code; enter the 18-character code from the business licence"
                .into()));
        }
        if n != 18 {
            return Err(err(format!("应为18位，实际为{n}位 / must be 18 characters, found {n}")));
        }
        for (i, c) in code.chars().enumerate() {
            if value_of(c).is_none() {
                let hint = if "IOSVZ".contains(c) { "（I、O、S、V、Z 不用于代码）" } else { "" };
                return Err(err(format!(
                    "第{}位「{c}」不是合法字符{hint} / character {} '{c}' is not allowed \
                     (the alphabet is 0-9 and A-Y without I, O, S, V, Z)",
                    i + 1,
                    i + 1
                )));
            }
        }
        let authority = code.chars().next().unwrap_or('0');
        if authority_name(authority).is_none() {
            return Err(err(format!(
                "第1位登记管理部门代码「{authority}」不存在 / registration authority '{authority}' does not exist"
            )));
        }
        if !code[2..8].chars().all(|c| c.is_ascii_digit()) {
            return Err(err(
                "第3–8位应为登记管理机关行政区划码（6位数字） / characters 3-8 must be the six-digit region code of the registering authority".into(),
            ));
        }
        // The message does not say which character would fit: that would turn the check into
        // a generator of valid-looking codes for units that do not exist.
        if check_character(&code[..17]) != code.chars().nth(17).unwrap_or('?') {
            return Err(err(
                "校验位不符，请对照营业执照核对是否抄错 / the check character does not match: compare with the business licence for a typo"
                    .into(),
            ));
        }
        Ok(Self(code))
    }

    /// The 18 characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The registration authority (登记管理部门), from the first character.
    pub fn authority(&self) -> &'static str {
        authority_name(self.0.chars().next().unwrap_or('0')).unwrap_or("")
    }

    /// The organization category (机构类别) named by the first two characters, where the
    /// standard's table names it.
    pub fn category(&self) -> Option<&'static str> {
        Some(match &self.0[..2] {
            "11" => "机关",
            "12" => "事业单位",
            "13" => "群众团体",
            "19" | "59" | "39" | "N9" => "其他",
            "51" => "社会团体",
            "52" => "民办非企业单位",
            "53" => "基金会",
            "91" => "企业",
            "92" => "个体工商户",
            "93" => "农民专业合作社",
            "31" => "律师事务所",
            "N1" => "组级集体经济组织",
            "N2" => "村级集体经济组织",
            "N3" => "乡镇级集体经济组织",
            "Y1" => "其他",
            _ => return None,
        })
    }

    /// Completes a 17-character prefix with its check character; for fixtures and demos.
    pub fn with_check_character(first17: &str) -> Result<Self, FieldError> {
        Self::parse(&format!("{first17}{}", check_character(&normalise(first17))))
    }
}

fn authority_name(c: char) -> Option<&'static str> {
    Some(match c {
        '1' => "机构编制",
        '2' => "外交",
        '3' => "司法行政",
        '4' => "文化",
        '5' => "民政",
        '6' => "旅游",
        '7' => "宗教",
        '8' => "工会",
        '9' => "市场监督管理",
        'A' => "中央军委改革和编制办公室",
        'N' => "农业",
        'Y' => "其他",
        _ => return None,
    })
}

impl TryFrom<String> for CreditCode {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CreditCode> for String {
    fn from(code: CreditCode) -> Self {
        code.0
    }
}

impl std::fmt::Display for CreditCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standards_worked_example_is_valid_and_a_changed_check_character_is_not() {
        assert_eq!(CreditCode::parse("91350100M000100Y43").unwrap().as_str(), "91350100M000100Y43");
        let err = CreditCode::parse("91350100M000100Y44").unwrap_err();
        assert!(err.message.contains("check character does not match"), "{err}");
        assert!(!err.message.contains('3'), "the message must not give the right character away: {err}");
        let err = CreditCode::parse("91350100M000100Y4Z").unwrap_err();
        assert!(err.message.contains("character 18 'Z' is not allowed"), "{err}");
    }

    #[test]
    fn known_real_codes_are_valid() {
        for code in ["91110000600037341L", "911100007109250324"] {
            CreditCode::parse(code).unwrap();
        }
    }

    #[test]
    fn every_registration_authority_prefix_is_accepted() {
        for prefix in [
            "11", "12", "13", "19", "21", "31", "41", "51", "52", "53", "61", "71", "81", "91", "92", "93", "A1", "N1",
            "N2", "N3", "Y1",
        ] {
            let code = CreditCode::with_check_character(&format!("{prefix}370100MA3C00000"))
                .unwrap_or_else(|e| panic!("{prefix}: {e}"));
            assert_eq!(&code.as_str()[..2], prefix);
        }
    }

    #[test]
    fn letters_after_h_use_the_gb32100_values_not_ascii_offsets() {
        // A common bug maps letters as ord(c)-55 and computes R here; the standard gives E.
        assert_eq!(check_character("91370100MA3C00000"), 'E');
    }

    #[test]
    fn full_width_characters_spaces_and_lower_case_are_normalised() {
        let code = CreditCode::parse("９１３５ ０１００ｍ０００１００ｙ４３").unwrap();
        assert_eq!(code.as_str(), "91350100M000100Y43");
        assert_eq!(CreditCode::parse(" 91350100-m000100y43 ").unwrap(), code);
    }

    #[test]
    fn an_old_fifteen_digit_registration_number_is_rejected_with_a_message_that_says_so() {
        let err = CreditCode::parse("370100228012345").unwrap_err();
        assert!(err.message.contains("15位工商注册号"), "{err}");
    }

    #[test]
    fn wrong_length_forbidden_letters_and_unknown_authorities_are_named() {
        assert!(CreditCode::parse("9135010").unwrap_err().message.contains("7位"));
        assert!(CreditCode::parse("91350100M000100I43").unwrap_err().message.contains("第16位"));
        assert!(CreditCode::parse("B1350100M000100Y43").unwrap_err().message.contains("登记管理部门"));
    }

    #[test]
    fn a_code_from_abolished_laiwu_stays_valid() {
        CreditCode::with_check_character("91371200MA3C00000").unwrap();
    }

    #[test]
    fn categories_are_named_for_universities_and_enterprises() {
        let uni = CreditCode::with_check_character("12370000495570000").unwrap();
        assert_eq!(uni.category(), Some("事业单位"));
        assert_eq!(uni.authority(), "机构编制");
    }
}
