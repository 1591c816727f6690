//! Spreadsheets out: a table of text cells written as `.csv` (UTF-8 with a BOM, so that Excel
//! opens Chinese text correctly) or `.xlsx` (rust_xlsxwriter). Used by the exports of the
//! customer list, a campaign's recipients and the channel report.

use rust_xlsxwriter::{Format, Workbook};

use crate::CrmError;

/// Most rows one export writes (the rest is cut off; the answer says so in a header).
pub const MAX_EXPORT_ROWS: usize = 100_000;

/// The format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetFormat {
    Csv,
    Xlsx,
}

impl SheetFormat {
    pub fn parse(s: Option<&str>) -> Option<Self> {
        match s.map(str::trim) {
            None | Some("") | Some("xlsx") => Some(SheetFormat::Xlsx),
            Some("csv") => Some(SheetFormat::Csv),
            Some(_) => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            SheetFormat::Csv => "csv",
            SheetFormat::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            SheetFormat::Csv => "text/csv; charset=utf-8",
            SheetFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }
}

/// A table to write: headers and rows of text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sheet {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Sheet {
    pub fn new(name: &str, headers: &[&str]) -> Self {
        Self {
            name: name.to_owned(),
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn write(&self, format: SheetFormat) -> Result<Vec<u8>, CrmError> {
        match format {
            SheetFormat::Csv => self.to_csv(),
            SheetFormat::Xlsx => self.to_xlsx(),
        }
    }

    /// UTF-8 with a BOM.
    pub fn to_csv(&self) -> Result<Vec<u8>, CrmError> {
        let mut out = b"\xEF\xBB\xBF".to_vec();
        {
            let mut writer = csv::Writer::from_writer(&mut out);
            let io = |e: csv::Error| CrmError::Inconsistent(format!("csv: {e}"));
            writer.write_record(&self.headers).map_err(io)?;
            for row in &self.rows {
                writer.write_record(row).map_err(io)?;
            }
            writer
                .flush()
                .map_err(|e| CrmError::Inconsistent(format!("csv: {e}")))?;
        }
        Ok(out)
    }

    /// Every cell as text (phone numbers and ids stay exactly as they are).
    pub fn to_xlsx(&self) -> Result<Vec<u8>, CrmError> {
        let xlsx = |e: rust_xlsxwriter::XlsxError| CrmError::Inconsistent(format!("xlsx: {e}"));
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name(&self.name).map_err(xlsx)?;
        let bold = Format::new().set_bold();
        for (c, header) in self.headers.iter().enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            sheet
                .write_string_with_format(0, c, header, &bold)
                .map_err(xlsx)?;
            sheet.set_column_width(c, 16).map_err(xlsx)?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
            for (c, cell) in row.iter().enumerate() {
                if cell.is_empty() {
                    continue;
                }
                let c = u16::try_from(c).unwrap_or(u16::MAX);
                sheet.write_string(r, c, cell).map_err(xlsx)?;
            }
        }
        workbook.save_to_buffer().map_err(xlsx)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::import::parse::read_table;

    fn sheet() -> Sheet {
        let mut s = Sheet::new("客户", &["客户ID", "手机号", "备注"]);
        s.rows.push(vec![
            "wm1".into(),
            "13800000001".into(),
            "老客户，VIP".into(),
        ]);
        s.rows
            .push(vec!["wm2".into(), String::new(), "换行\n备注".into()]);
        s
    }

    #[test]
    fn csv_and_xlsx_read_back_as_written() {
        let s = sheet();
        let csv = s.to_csv().unwrap();
        assert!(csv.starts_with(b"\xEF\xBB\xBF"));
        for (name, bytes) in [("a.csv", csv), ("a.xlsx", s.to_xlsx().unwrap())] {
            let (table, _) = read_table(name, &bytes, 10).unwrap();
            assert_eq!(table.headers, s.headers, "{name}");
            let rows: Vec<Vec<String>> = table
                .rows
                .into_iter()
                .map(|(_, r)| {
                    let mut r = r;
                    r.resize(3, String::new());
                    r
                })
                .collect();
            assert_eq!(rows, s.rows, "{name}");
        }
    }
}
