//! The clinic's own fields of a customer (`Customer::crm`): what a valid value is, apart from
//! how a request carries it.

fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

/// `YYYY-MM-DD` or `MM-DD`, a real date (29 Feb only in leap years; `MM-DD` allows 02-29).
pub fn valid_birthday(s: &str) -> bool {
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = s.split('-').collect();
    let (year, month, day) = match parts.as_slice() {
        [y, m, d] if y.len() == 4 && digits(y) => (y.parse::<u32>().ok(), *m, *d),
        [m, d] => (None, *m, *d),
        _ => return false,
    };
    if month.len() != 2 || day.len() != 2 || !digits(month) || !digits(day) {
        return false;
    }
    let (Ok(m), Ok(d)) = (month.parse::<u32>(), day.parse::<u32>()) else {
        return false;
    };
    if let Some(y) = year
        && !(1900..=2100).contains(&y)
    {
        return false;
    }
    let max = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 => match year {
            Some(y) if !is_leap(y) => 28,
            _ => 29,
        },
        _ => return false,
    };
    (1..=max).contains(&d)
}

/// Mainland mobile: `1[3-9]` then 9 digits.
pub fn valid_phone(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn birthdays_must_be_real_dates() {
        assert!(valid_birthday("1990-02-28"));
        assert!(valid_birthday("2000-02-29"));
        assert!(!valid_birthday("1900-02-29"));
        assert!(!valid_birthday("2023-02-29"));
        assert!(!valid_birthday("1990-02-30"));
        assert!(!valid_birthday("1990-04-31"));
        assert!(valid_birthday("02-29"));
        assert!(valid_birthday("12-31"));
        assert!(!valid_birthday("13-01"));
        assert!(!valid_birthday("1990-1-01"));
        assert!(!valid_birthday("1990-01-01x"));
        assert!(!valid_birthday(""));
    }

    #[test]
    fn phones_are_mainland_mobiles() {
        assert!(valid_phone("13800138000"));
        assert!(valid_phone("19912345678"));
        assert!(!valid_phone("12800138000"));
        assert!(!valid_phone("1380013800"));
        assert!(!valid_phone("138001380001"));
        assert!(!valid_phone("1380013800a"));
    }
}
