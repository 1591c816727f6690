//! From a table to validated rows: the columns are found by their Chinese or English header,
//! each cell is checked with the domain's own types, and every problem names the row and the
//! column as the file shows them.

use crate::clinic_fields::{Birthday, Notes, Phone, PsychType, Tier};

use super::Problem;
use super::parse::Table;

/// A column the import understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    ExternalUserid,
    Phone,
    Unionid,
    Name,
    Tier,
    PsychType,
    Birthday,
    MarketingConsent,
    ConsentMethod,
    Tags,
    Remark,
}

impl Column {
    pub const ALL: [Column; 11] = [
        Column::ExternalUserid,
        Column::Phone,
        Column::Unionid,
        Column::Name,
        Column::Tier,
        Column::PsychType,
        Column::Birthday,
        Column::MarketingConsent,
        Column::ConsentMethod,
        Column::Tags,
        Column::Remark,
    ];

    /// The header the export writes (and the import reads back).
    pub fn header(self) -> &'static str {
        match self {
            Column::ExternalUserid => "客户ID",
            Column::Phone => "手机号",
            Column::Unionid => "unionid",
            Column::Name => "姓名",
            Column::Tier => "等级",
            Column::PsychType => "心理类型",
            Column::Birthday => "生日",
            Column::MarketingConsent => "营销授权",
            Column::ConsentMethod => "授权方式",
            Column::Tags => "标签",
            Column::Remark => "备注",
        }
    }

    /// Every header that names the column (compared ignoring case, spaces and underscores).
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::ExternalUserid => &["客户id", "externaluserid", "外部联系人id", "客户编号"],
            Column::Phone => &["手机号", "手机", "手机号码", "电话", "phone", "mobile"],
            Column::Unionid => &["unionid"],
            Column::Name => &["姓名", "客户姓名", "名字", "name"],
            Column::Tier => &["等级", "客户等级", "分层", "客户分层", "tier"],
            Column::PsychType => &["心理类型", "psychtype"],
            Column::Birthday => &["生日", "出生日期", "birthday"],
            Column::MarketingConsent => &["营销授权", "marketingconsent", "consent"],
            Column::ConsentMethod => &["授权方式", "consentmethod"],
            Column::Tags => &["标签", "tags", "tag"],
            Column::Remark => &["备注", "remark", "notes", "note"],
        }
    }

    fn from_header(header: &str) -> Option<Column> {
        let key: String = header
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect();
        Column::ALL
            .into_iter()
            .find(|c| c.aliases().contains(&key.as_str()))
    }
}

/// Where each understood column is in the file, and the headers it does not understand.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    columns: Vec<(Column, usize)>,
    pub ignored: Vec<String>,
}

impl Layout {
    pub fn read(headers: &[String]) -> Result<Self, Problem> {
        let mut layout = Layout::default();
        for (i, header) in headers.iter().enumerate() {
            match Column::from_header(header) {
                Some(c) if layout.index(c).is_some() => {
                    return Err(Problem::new(
                        1,
                        Some(header.clone()),
                        format!("表头中「{}」列出现了两次", c.header()),
                    ));
                }
                Some(c) => layout.columns.push((c, i)),
                None if header.is_empty() => {}
                None => layout.ignored.push(header.clone()),
            }
        }
        if [Column::ExternalUserid, Column::Phone, Column::Unionid]
            .iter()
            .all(|c| layout.index(*c).is_none())
        {
            return Err(Problem::new(
                1,
                None,
                "表头中没有可用于匹配客户的列：需要「客户ID」（external_userid）、「手机号」（phone）或「unionid」中的至少一列".to_owned(),
            ));
        }
        if layout.index(Column::ConsentMethod).is_some()
            && layout.index(Column::MarketingConsent).is_none()
        {
            return Err(Problem::new(
                1,
                Some(Column::ConsentMethod.header().to_owned()),
                "有「授权方式」列但没有「营销授权」列".to_owned(),
            ));
        }
        Ok(layout)
    }

    fn index(&self, column: Column) -> Option<usize> {
        self.columns
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, i)| *i)
    }

    /// The header of a column as the file names it.
    fn cell<'a>(&self, row: &'a [String], column: Column) -> Option<&'a str> {
        let i = self.index(column)?;
        row.get(i).map(String::as_str).filter(|s| !s.is_empty())
    }
}

/// The marketing consent a row gives: granted or refused, and how it was originally given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentCell {
    pub granted: bool,
    /// The file's 授权方式 (书面、口头、表单…), kept in the consent record's note.
    pub how: Option<String>,
}

/// One valid row. An empty cell leaves the field as it is (an import never clears).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportRow {
    /// The row number in the file (the header is row 1).
    pub row: usize,
    pub external_userid: Option<String>,
    pub phone: Option<Phone>,
    pub unionid: Option<String>,
    pub name: Option<String>,
    pub tier: Option<Tier>,
    pub psych_type: Option<PsychType>,
    pub birthday: Option<Birthday>,
    pub consent: Option<ConsentCell>,
    /// Tag names as written (`组名/标签名` or `标签名`), resolved against the catalogue later.
    pub tags: Vec<String>,
    pub notes: Option<Notes>,
}

fn yes_no(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "是" | "同意" | "已授权" | "授权" | "yes" | "y" | "true" | "1" => Some(true),
        "否" | "拒绝" | "不同意" | "未授权" | "撤回" | "no" | "n" | "false" | "0" => {
            Some(false)
        }
        _ => None,
    }
}

/// Tag names: separated by `，` `,` `、` `;` `；`.
pub fn split_tags(s: &str) -> Vec<String> {
    s.split([',', '，', '、', ';', '；'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A birthday as people type it: `1990-05-01`, `1990/5/1`, `1990.05.01`, `05-01`.
fn normalise_birthday(s: &str) -> String {
    let parts: Vec<&str> = s.trim().split(['-', '/', '.']).collect();
    let pad = |p: &str| {
        if p.len() == 1 {
            format!("0{p}")
        } else {
            p.to_owned()
        }
    };
    match parts.as_slice() {
        [y, m, d] => format!("{y}-{}-{}", pad(m), pad(d)),
        [m, d] => format!("{}-{}", pad(m), pad(d)),
        _ => s.trim().to_owned(),
    }
}

/// Reads every data row: valid rows, and the problems of the others (a row with a problem
/// is not imported).
pub fn read_rows(table: &Table, layout: &Layout) -> (Vec<ImportRow>, Vec<Problem>) {
    let mut rows = Vec::with_capacity(table.rows.len());
    let mut problems = Vec::new();
    for (number, cells) in &table.rows {
        let number = *number;
        let mut row = ImportRow {
            row: number,
            ..ImportRow::default()
        };
        let mut bad = Vec::new();
        let mut problem = |column: Column, message: String| {
            bad.push(Problem::new(
                number,
                Some(column.header().to_owned()),
                message,
            ));
        };
        let get = |c: Column| layout.cell(cells, c);
        row.external_userid = get(Column::ExternalUserid).map(str::to_owned);
        row.unionid = get(Column::Unionid).map(str::to_owned);
        row.name = get(Column::Name).map(str::to_owned);
        if let Some(s) = get(Column::Phone) {
            // `+86 138 0000 0000` and `138-0000-0000` are the same number.
            let digits: String = s.chars().filter(char::is_ascii_digit).collect();
            let digits = digits
                .strip_prefix("86")
                .filter(|d| d.len() == 11)
                .unwrap_or(&digits);
            match Phone::parse(digits) {
                Ok(p) => row.phone = Some(p),
                Err(e) => problem(Column::Phone, e.message),
            }
        }
        if let Some(s) = get(Column::Tier) {
            match Tier::parse(&s.to_uppercase()) {
                Ok(t) => row.tier = Some(t),
                Err(e) => problem(Column::Tier, e.message),
            }
        }
        if let Some(s) = get(Column::PsychType) {
            match PsychType::parse(s) {
                Ok(p) => row.psych_type = Some(p),
                Err(e) => problem(Column::PsychType, e.message),
            }
        }
        if let Some(s) = get(Column::Birthday) {
            match Birthday::parse(&normalise_birthday(s)) {
                Ok(b) => row.birthday = Some(b),
                Err(e) => problem(Column::Birthday, e.message),
            }
        }
        match (get(Column::MarketingConsent), get(Column::ConsentMethod)) {
            (Some(s), how) => match yes_no(s) {
                Some(granted) => {
                    row.consent = Some(ConsentCell {
                        granted,
                        how: how.map(str::to_owned),
                    });
                }
                None => problem(
                    Column::MarketingConsent,
                    "营销授权只能填「是」或「否」（也可写 同意/拒绝、yes/no）".to_owned(),
                ),
            },
            (None, Some(_)) => problem(
                Column::MarketingConsent,
                "填写了授权方式，但没有填写营销授权（是/否）".to_owned(),
            ),
            (None, None) => {}
        }
        if let Some(how) = row.consent.as_ref().and_then(|c| c.how.as_ref())
            && how.chars().count() > 50
        {
            problem(Column::ConsentMethod, "授权方式不能超过 50 个字".to_owned());
        }
        if let Some(s) = get(Column::Tags) {
            row.tags = split_tags(s);
            if let Some(long) = row.tags.iter().find(|t| t.chars().count() > 61) {
                problem(Column::Tags, format!("标签「{long}」太长"));
            }
        }
        if let Some(s) = get(Column::Remark) {
            match Notes::parse(s) {
                Ok(n) => row.notes = Some(n),
                Err(e) => problem(Column::Remark, e.message),
            }
        }
        if row.external_userid.is_none() && row.phone.is_none() && row.unionid.is_none() {
            let already = !bad.is_empty();
            if !already {
                bad.push(Problem::new(
                    number,
                    None,
                    "客户ID、手机号和 unionid 都为空，无法匹配客户".to_owned(),
                ));
            }
        }
        if bad.is_empty() {
            rows.push(row);
        } else {
            problems.extend(bad);
        }
    }
    (rows, problems)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn table(csv: &str) -> Table {
        super::super::parse::read_table("t.csv", csv.as_bytes(), 100)
            .unwrap()
            .0
    }

    #[test]
    fn chinese_and_english_headers_name_the_same_columns() {
        let t = table(
            "手机号,Tier,psych_type,生日,营销授权,授权方式,标签,备注,来源\n+86 138-0000-0001,b,理性型,1990/5/1,是,书面,VIP、新客,老客户,x\n",
        );
        let layout = Layout::read(&t.headers).unwrap();
        assert_eq!(layout.ignored, ["来源"]);
        let (rows, problems) = read_rows(&t, &layout);
        assert!(problems.is_empty(), "{problems:?}");
        let r = &rows[0];
        assert_eq!(r.phone.as_ref().unwrap().as_str(), "13800000001");
        assert_eq!(r.tier, Some(Tier::B));
        assert_eq!(r.birthday.as_ref().unwrap().as_str(), "1990-05-01");
        assert_eq!(
            r.consent,
            Some(ConsentCell {
                granted: true,
                how: Some("书面".into())
            })
        );
        assert_eq!(r.tags, ["VIP", "新客"]);
    }

    #[test]
    fn problems_name_row_and_column() {
        let t = table("phone,tier,birthday\n123,A,\n13800000002,D,02-30\n,,\n,A,\n");
        let layout = Layout::read(&t.headers).unwrap();
        let (rows, problems) = read_rows(&t, &layout);
        assert!(rows.is_empty());
        let found: Vec<(usize, Option<&str>)> = problems
            .iter()
            .map(|p| (p.row, p.column.as_deref()))
            .collect();
        assert_eq!(
            found,
            [
                (2, Some("手机号")),
                (3, Some("等级")),
                (3, Some("生日")),
                (5, None)
            ]
        );
    }

    #[test]
    fn a_file_without_a_key_column_is_refused() {
        let t = table("姓名,等级\n张三,A\n");
        assert!(Layout::read(&t.headers).is_err());
    }
}
