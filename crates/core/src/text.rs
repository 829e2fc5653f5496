//! Rules for text that a client supplies and the consent pages show, such
//! as the `client_name` of a self-registered client.
//!
//! Such text must not contain characters that render as nothing or change
//! how nearby text renders, because they let one name imitate another on
//! the consent page (`Acme\u{200B}` looks like `Acme`, and U+202E reverses
//! what follows it). The Unicode general categories come from the
//! `unicode-properties` crate, whose tables follow the Unicode version it
//! states in `unicode_properties::UNICODE_VERSION`.

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Returns whether `c` is invisible or formats other text. That is every
/// character of general category Cc (control), Cf (format), Zl (line
/// separator), Zp (paragraph separator), Co (private use), Cs (surrogate)
/// or Cn (unassigned or noncharacter, which fonts do not draw). It also
/// covers the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0), the
/// combining grapheme joiner U+034F, U+180E, U+061C and the tag characters
/// (U+E0000 to U+E007F).
///
/// It also covers the other default-ignorable marks that draw nothing: the
/// variation selectors (U+FE00 to U+FE0F, U+E0100 to U+E01EF), the
/// Mongolian free variation selectors (U+180B to U+180D, U+180F), the Khmer
/// inherent vowels U+17B4 and U+17B5, and the blank Braille pattern U+2800.
///
/// The listed code points are named explicitly because their category is
/// a letter, mark or symbol (the Hangul fillers, U+034F, the selectors) or
/// changed between Unicode versions (U+180E, U+061C).
pub fn is_invisible(c: char) -> bool {
    let category = matches!(
        c.general_category(),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
            | GeneralCategory::PrivateUse
            | GeneralCategory::Surrogate
            | GeneralCategory::Unassigned
    );
    category
        || matches!(
            c,
            '\u{115F}'
                | '\u{1160}'
                | '\u{3164}'
                | '\u{FFA0}'
                | '\u{034F}'
                | '\u{180E}'
                | '\u{061C}'
                | '\u{E0000}'..='\u{E007F}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{E0100}'..='\u{E01EF}'
                | '\u{180B}'..='\u{180D}'
                | '\u{180F}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{2800}'
        )
}

/// Maximum number of combining marks allowed after one base character;
/// longer stacks draw over the text around them.
pub const MAX_COMBINING_MARKS: usize = 3;

/// Checks that `text`, the value of the field `field`, contains no
/// character for which [`is_invisible`] holds. The error is a description
/// for the client that names the first such character.
pub fn check_visible(field: &str, text: &str) -> Result<(), String> {
    if let Some(c) = text.chars().find(|c| is_invisible(*c)) {
        return Err(format!(
            "{field} must not contain control characters or invisible formatting characters \
             (found U+{:04X})",
            u32::from(c)
        ));
    }

    let mut marks_in_a_row = 0;
    for c in text.chars() {
        let mark = matches!(
            c.general_category(),
            GeneralCategory::NonspacingMark | GeneralCategory::EnclosingMark
        );
        marks_in_a_row = if mark { marks_in_a_row + 1 } else { 0 };
        if marks_in_a_row > MAX_COMBINING_MARKS {
            return Err(format!(
                "{field} must not stack more than {MAX_COMBINING_MARKS} combining marks on one character"
            ));
        }
    }
    Ok(())
}

/// Checks that a display name `text`, the value of `field`, has at least
/// one letter or digit, so that it cannot render as blank or as
/// punctuation alone.
pub fn check_readable_name(field: &str, text: &str) -> Result<(), String> {
    check_visible(field, text)?;
    if !text.chars().any(char::is_alphanumeric) {
        return Err(format!("{field} must contain at least one letter or digit"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_characters_are_detected() {
        let cases = [
            ('\u{0000}', "Cc NUL"),
            ('\n', "Cc line feed"),
            ('\u{0085}', "Cc next line"),
            ('\u{00AD}', "Cf soft hyphen"),
            ('\u{061C}', "Cf Arabic letter mark"),
            ('\u{180E}', "Mongolian vowel separator"),
            ('\u{200B}', "Cf zero width space"),
            ('\u{200D}', "Cf zero width joiner"),
            ('\u{202E}', "Cf right-to-left override"),
            ('\u{2028}', "Zl line separator"),
            ('\u{2029}', "Zp paragraph separator"),
            ('\u{2064}', "Cf invisible plus"),
            ('\u{2066}', "Cf left-to-right isolate"),
            ('\u{FEFF}', "Cf byte order mark"),
            ('\u{E000}', "Co private use"),
            ('\u{F0000}', "Co supplementary private use"),
            ('\u{1D173}', "Cf musical symbol begin beam"),
            ('\u{115F}', "Hangul choseong filler"),
            ('\u{1160}', "Hangul jungseong filler"),
            ('\u{3164}', "Hangul filler"),
            ('\u{FFA0}', "halfwidth Hangul filler"),
            ('\u{034F}', "combining grapheme joiner"),
            ('\u{E0000}', "unassigned tag block start"),
            ('\u{2065}', "Cn unassigned"),
            ('\u{FFFF}', "Cn noncharacter"),
            ('\u{E0001}', "language tag"),
            ('\u{E0041}', "tag latin capital A"),
            ('\u{E007F}', "cancel tag"),
        ];
        for (c, name) in cases {
            assert!(is_invisible(c), "{name} (U+{:04X})", u32::from(c));
        }
    }

    #[test]
    fn visible_characters_are_accepted() {
        let cases = [
            ('A', "Latin letter"),
            (' ', "space"),
            ('\u{00E9}', "e with acute"),
            ('\u{0301}', "combining acute accent"),
            ('\u{4E2D}', "CJK ideograph"),
            ('\u{AC00}', "Hangul syllable"),
            ('\u{1F600}', "emoji"),
            ('\u{0627}', "Arabic letter"),
            ('-', "hyphen-minus"),
        ];
        for (c, name) in cases {
            assert!(!is_invisible(c), "{name} (U+{:04X})", u32::from(c));
        }
    }

    #[test]
    fn check_visible_names_first_invisible_character() {
        assert_eq!(check_visible("client_name", "Acme Tools"), Ok(()));
        let error = check_visible("client_name", "Acme\u{3164}\u{200B}").unwrap_err();
        assert!(error.starts_with("client_name must not contain"), "{error}");
        assert!(error.contains("U+3164"), "{error}");
    }

    #[test]
    fn blank_looking_characters_are_invisible() {
        for c in [
            '\u{2800}',
            '\u{17B4}',
            '\u{17B5}',
            '\u{180B}',
            '\u{FE0F}',
            '\u{E0100}',
        ] {
            assert!(is_invisible(c), "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn stacked_marks_are_rejected() {
        let three = format!("e{}", "\u{0301}".repeat(3));
        let four = format!("e{}", "\u{0301}".repeat(4));
        assert!(check_visible("client_name", &three).is_ok());
        let error = check_visible("client_name", &four).unwrap_err();
        assert!(error.contains("combining marks"), "{error}");
    }

    #[test]
    fn readable_name_needs_letter_or_digit() {
        assert!(check_readable_name("client_name", "Acme 2").is_ok());
        assert!(check_readable_name("client_name", "\u{5f35}").is_ok());
        let error = check_readable_name("client_name", "-- !! --").unwrap_err();
        assert_eq!(
            error,
            "client_name must contain at least one letter or digit"
        );
    }
}
