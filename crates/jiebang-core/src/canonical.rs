//! The JSON Canonicalization Scheme (RFC 8785, "JCS"): the one byte form of a JSON value that
//! jiebang signs and hashes. Any language can reproduce it (Python: the `rfc8785` package;
//! JavaScript: `JSON.stringify` with sorted keys), so a signed report or snapshot verifies from
//! its parsed value, whatever parser read it, as long as that parser reads numbers exactly.
//!
//! The rules: no whitespace; object members sorted by their names' UTF-16 code units; strings
//! with only `"`, `\` and control characters escaped (`\b \t \n \f \r`, else `\u00xx`); numbers as
//! ECMAScript's `Number.prototype.toString` writes the IEEE double (shortest round-trip digits,
//! plain notation from 1e-6 to below 1e21, `-0` as `0`).

use serde_json::Value;

/// `value` in canonical form.
///
/// Integers are written as the double they denote, as RFC 8785 requires; an integer beyond
/// ±2⁵³ would change, so jiebang's documents keep counts far below that.
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

/// `value` in canonical form, as bytes to sign or hash.
pub fn to_vec(value: &Value) -> Vec<u8> {
    to_string(value).into_bytes()
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match n.as_f64() {
            Some(x) => write_number(out, x),
            None => out.push_str("null"),
        },
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(members) => {
            let mut sorted: Vec<(&String, &Value)> = members.iter().collect();
            sorted.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (name, item)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, name);
                out.push(':');
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// ECMAScript's Number::toString for a finite double (JSON has no NaN or infinities; serde_json
/// holds none).
fn write_number(out: &mut String, x: f64) {
    if x == 0.0 || !x.is_finite() {
        out.push('0');
        return;
    }
    if x < 0.0 {
        out.push('-');
    }
    let (digits, n) = shortest_digits(x.abs());
    let k = digits.len() as i32;
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        out.push_str(&digits[..n as usize]);
        out.push('.');
        out.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if n > 0 { '+' } else { '-' });
        out.push_str(&(n - 1).abs().to_string());
    }
}

/// The shortest digits `s` (no leading or trailing zeros) and exponent `n` with
/// `x = 0.s × 10ⁿ`, from ryu's shortest round-trip output, which picks the digits ECMAScript
/// requires (the fewest, then the closest to `x`).
fn shortest_digits(x: f64) -> (String, i32) {
    let mut buffer = ryu::Buffer::new();
    let text = buffer.format_finite(x);
    let (mantissa, exponent) = match text.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let fraction = fraction.trim_end_matches('0');
    let all = format!("{whole}{fraction}");
    let leading = all.len() - all.trim_start_matches('0').len();
    let digits = all.trim_start_matches('0').trim_end_matches('0').to_owned();
    // `whole.fraction × 10^exponent` = `0.all × 10^(len(whole) + exponent)`.
    let n = whole.len() as i32 + exponent - leading as i32;
    (digits, n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn number(x: f64) -> String {
        to_string(&json!(x))
    }

    #[test]
    fn numbers_are_written_as_ecmascript_writes_them() {
        // RFC 8785, appendix B, and ECMAScript's formatting thresholds.
        let cases: [(f64, &str); 25] = [
            (0.0, "0"),
            (-0.0, "0"),
            (1.0, "1"),
            (-1.5, "-1.5"),
            (f64::from_bits(0x0000000000000001), "5e-324"),
            (f64::from_bits(0x8000000000000001), "-5e-324"),
            (f64::from_bits(0x7fefffffffffffff), "1.7976931348623157e+308"),
            (f64::from_bits(0x4340000000000000), "9007199254740992"),
            (f64::from_bits(0x44b52d02c7e14af6), "1e+23"),
            (f64::from_bits(0x44b52d02c7e14af5), "9.999999999999997e+22"),
            (f64::from_bits(0x444b1ae4d6e2ef4e), "999999999999999700000"),
            (f64::from_bits(0x444b1ae4d6e2ef50), "1e+21"),
            (f64::from_bits(0x3eb0c6f7a0b5ed8d), "0.000001"),
            (f64::from_bits(0x3eb0c6f7a0b5ed8c), "9.999999999999997e-7"),
            (f64::from_bits(0x41b3de4355555553), "333333333.3333332"),
            (f64::from_bits(0x41b3de4355555554), "333333333.33333325"),
            (f64::from_bits(0xbecbf647612f3696), "-0.0000033333333333333333"),
            (f64::from_bits(0x43143ff3c1cb0959), "1424953923781206.2"),
            (f64::from_bits(0x4430000000000000), "295147905179352830000"),
            (1e-300, "1e-300"),
            (0.9589014084507043, "0.9589014084507043"),
            (123456789012345680.0, "123456789012345680"),
            (1e21, "1e+21"),
            (1.5e-7, "1.5e-7"),
            (0.1 + 0.2, "0.30000000000000004"),
        ];
        for (x, expected) in cases {
            assert_eq!(number(x), expected, "{x:e}");
        }
    }

    #[test]
    fn members_are_sorted_by_utf16_code_units_and_strings_minimally_escaped() {
        // U+1F600 (surrogates D83D DE00) sorts before U+FB33 in UTF-16, after it in code points.
        let value: Value = serde_json::from_str(
            r#"{"\ufb33":1,"\ud83d\ude00":2,"b":[true,null,"\u0001\n\"\\/é揭榜"],"a":{"z":1,"y":2}}"#,
        )
        .unwrap();
        assert_eq!(
            to_string(&value),
            "{\"a\":{\"y\":2,\"z\":1},\"b\":[true,null,\"\\u0001\\n\\\"\\\\/é揭榜\"],\"😀\":2,\"\u{fb33}\":1}"
        );
    }
}
