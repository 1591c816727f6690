//! Reading an uploaded file into a table of text cells: `.xlsx` through calamine, `.csv`
//! through the csv crate after decoding (UTF-8 with or without a BOM; anything that is not
//! valid UTF-8 is read as GBK, what Excel on a Chinese Windows saves).

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use super::ImportError;

/// The file's kind, from its name or, failing that, its first bytes (an xlsx is a zip).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Xlsx,
    Csv,
}

impl FileKind {
    pub fn detect(filename: &str, bytes: &[u8]) -> Result<Self, ImportError> {
        let lower = filename.to_lowercase();
        if lower.ends_with(".xlsx") {
            return Ok(FileKind::Xlsx);
        }
        if lower.ends_with(".csv") || lower.ends_with(".txt") {
            return Ok(FileKind::Csv);
        }
        if lower.ends_with(".xls") {
            return Err(ImportError::file(
                "不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入",
            ));
        }
        if bytes.starts_with(b"PK\x03\x04") {
            return Ok(FileKind::Xlsx);
        }
        Ok(FileKind::Csv)
    }
}

/// The header row and the data rows, every cell as trimmed text. Data rows keep their row
/// number in the file (the header is row 1), blank rows are left out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Decodes CSV bytes: a UTF-8 BOM is dropped; valid UTF-8 is taken as it is; anything else
/// is decoded as GBK (GB18030, its superset). Returns the text and the encoding's name.
pub fn decode_text(bytes: &[u8]) -> (String, &'static str) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_owned(), "UTF-8"),
        Err(_) => {
            let (text, _, _) = encoding_rs::GB18030.decode(bytes);
            (text.into_owned(), "GBK")
        }
    }
}

/// Reads the file (at most `max_rows` data rows).
pub fn read_table(
    filename: &str,
    bytes: &[u8],
    max_rows: usize,
) -> Result<(Table, &'static str), ImportError> {
    if bytes.is_empty() {
        return Err(ImportError::file("文件是空的"));
    }
    match FileKind::detect(filename, bytes)? {
        FileKind::Csv => {
            let (text, encoding) = decode_text(bytes);
            Ok((read_csv(&text, max_rows)?, encoding))
        }
        FileKind::Xlsx => Ok((read_xlsx(bytes, max_rows)?, "xlsx")),
    }
}

fn too_many(max_rows: usize) -> ImportError {
    ImportError::file(format!(
        "文件超过 {max_rows} 行数据，请拆分成多个文件分别导入"
    ))
}

fn finish(mut cells: Vec<Vec<String>>, max_rows: usize) -> Result<Table, ImportError> {
    if cells.is_empty() {
        return Err(ImportError::file("文件中没有表头行"));
    }
    let headers = cells.remove(0);
    let mut rows = Vec::new();
    for (i, row) in cells.into_iter().enumerate() {
        if row.iter().all(String::is_empty) {
            continue;
        }
        if rows.len() == max_rows {
            return Err(too_many(max_rows));
        }
        rows.push((i + 2, row));
    }
    Ok(Table { headers, rows })
}

fn read_csv(text: &str, max_rows: usize) -> Result<Table, ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut cells = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|_| {
            ImportError::file(format!("第 {} 行不是有效的 CSV（引号未闭合？）", i + 1))
        })?;
        if cells.len() > max_rows + 1 {
            return Err(too_many(max_rows));
        }
        cells.push(record.iter().map(|c| c.trim().to_owned()).collect());
    }
    finish(cells, max_rows)
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        // Whole numbers (phone numbers typed into a numeric cell) without a fraction.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_owned(),
        Data::DateTime(d) => match d.as_datetime() {
            Some(dt) => dt.format("%Y-%m-%d").to_string(),
            None => d.to_string(),
        },
        Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_owned(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(_) => String::new(),
    }
}

fn read_xlsx(bytes: &[u8], max_rows: usize) -> Result<Table, ImportError> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
        .map_err(|_| ImportError::file("无法读取该 Excel 文件，请确认是 .xlsx 格式"))?;
    let Some(sheet) = workbook.sheet_names().first().cloned() else {
        return Err(ImportError::file("Excel 文件中没有工作表"));
    };
    let range = workbook
        .worksheet_range(&sheet)
        .map_err(|_| ImportError::file("无法读取 Excel 的第一个工作表"))?;
    if range.height() > max_rows + 1 {
        return Err(too_many(max_rows));
    }
    let cells = range
        .rows()
        .map(|row| row.iter().map(cell_text).collect())
        .collect();
    finish(cells, max_rows)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom_and_gbk_decode_alike() {
        let text = "姓名,手机号\n张三,13800000000\n";
        let (plain, e1) = decode_text(text.as_bytes());
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        let (with_bom, e2) = decode_text(&bom);
        let (gbk_bytes, _, _) = encoding_rs::GBK.encode(text);
        let (gbk, e3) = decode_text(&gbk_bytes);
        assert_eq!((e1, e2, e3), ("UTF-8", "UTF-8", "GBK"));
        assert_eq!(plain, text);
        assert_eq!(with_bom, text);
        assert_eq!(gbk, text);
    }

    #[test]
    fn blank_rows_are_skipped_and_rows_keep_their_file_numbers() {
        let (table, _) = read_table("a.csv", "a,b\n1,2\n,\n3,4\n".as_bytes(), 10).unwrap();
        assert_eq!(table.headers, ["a", "b"]);
        assert_eq!(table.rows[0].0, 2);
        assert_eq!(table.rows[1].0, 4);
    }

    #[test]
    fn too_many_rows_is_refused() {
        let err = read_table("a.csv", "a\n1\n2\n3\n".as_bytes(), 2).unwrap_err();
        assert!(err.message.contains("超过 2 行"), "{}", err.message);
    }
}
