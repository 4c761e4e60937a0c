//! Decoding driver rows into model [`Value`]s and binding values as parameters.

use migdoctor_model::{Rows, Value};
use sqlx::mysql::MySqlRow;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Column, Row, TypeInfo, ValueRef};

type Decoded = Result<Value, String>;

fn err(e: sqlx::Error) -> String {
    e.to_string()
}

pub(crate) fn pg_value(row: &PgRow, i: usize) -> Decoded {
    let raw = row.try_get_raw(i).map_err(err)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let ty = raw.type_info().name().to_string();
    Ok(match ty.as_str() {
        "BOOL" => Value::Bool(row.try_get(i).map_err(err)?),
        "INT2" => Value::Int(i64::from(row.try_get::<i16, _>(i).map_err(err)?)),
        "INT4" => Value::Int(i64::from(row.try_get::<i32, _>(i).map_err(err)?)),
        "INT8" => Value::Int(row.try_get(i).map_err(err)?),
        "FLOAT4" => Value::Float(f64::from(row.try_get::<f32, _>(i).map_err(err)?)),
        "FLOAT8" => Value::Float(row.try_get(i).map_err(err)?),
        "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" | "CHAR" | "UNKNOWN" => {
            Value::Text(row.try_get(i).map_err(err)?)
        }
        "BYTEA" => Value::Bytes(row.try_get(i).map_err(err)?),
        "TIMESTAMPTZ" => Value::Timestamp(utc_text(row.try_get(i).map_err(err)?)),
        "TIMESTAMP" => Value::Timestamp(naive_text(row.try_get(i).map_err(err)?)),
        "DATE" => Value::Timestamp(
            row.try_get::<chrono::NaiveDate, _>(i)
                .map_err(err)?
                .to_string(),
        ),
        // NUMERIC, UUID, JSON, intervals…: their text form, read through a cast by the query.
        other => return Err(format!("type {other} is not supported yet")),
    })
}

pub(crate) fn mysql_value(row: &MySqlRow, i: usize) -> Decoded {
    let raw = row.try_get_raw(i).map_err(err)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let ty = raw.type_info().name().to_string();
    Ok(match ty.as_str() {
        // tinyint(1) is reported as BOOLEAN; keep the stored integer.
        "BOOLEAN" | "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "BIGINT" | "YEAR" => {
            Value::Int(row.try_get_unchecked::<i64, _>(i).map_err(err)?)
        }
        t if t.ends_with("UNSIGNED") => {
            let v: u64 = row.try_get_unchecked(i).map_err(err)?;
            i64::try_from(v)
                .map(Value::Int)
                .unwrap_or_else(|_| Value::Text(v.to_string()))
        }
        "FLOAT" | "DOUBLE" => Value::Float(row.try_get_unchecked(i).map_err(err)?),
        // The binary protocol sends dates as packed fields, not text.
        // TIMESTAMP comes in the session's time zone, packed like DATETIME; sqlx lets only
        // DATETIME decode as a naive time, so TIMESTAMP is read unchecked (same bytes) and is
        // bound back as a naive time in the same session zone.
        "DATETIME" | "TIMESTAMP" => Value::Timestamp(naive_text(
            row.try_get_unchecked::<chrono::NaiveDateTime, _>(i)
                .map_err(err)?,
        )),
        "DATE" => Value::Timestamp(
            row.try_get::<chrono::NaiveDate, _>(i)
                .map_err(err)?
                .to_string(),
        ),
        "BINARY" | "VARBINARY" | "BLOB" | "TINYBLOB" | "MEDIUMBLOB" | "LONGBLOB" => {
            let bytes: Vec<u8> = row.try_get_unchecked(i).map_err(err)?;
            Value::Bytes(bytes)
        }
        _ => {
            // CHAR, VARCHAR, TEXT kinds, ENUM, SET, DECIMAL, dates: their text form.
            let bytes: Vec<u8> = row.try_get_unchecked(i).map_err(err)?;
            match String::from_utf8(bytes) {
                Ok(s) => Value::Text(s),
                Err(e) => Value::Bytes(e.into_bytes()),
            }
        }
    })
}

pub(crate) fn sqlite_value(row: &SqliteRow, i: usize) -> Decoded {
    let raw = row.try_get_raw(i).map_err(err)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    // The storage class of this value, whatever the column was declared as.
    let ty = raw.type_info().name().to_ascii_uppercase();
    Ok(if ty.contains("INT") || ty.contains("BOOL") {
        Value::Int(row.try_get_unchecked(i).map_err(err)?)
    } else if ty.contains("REAL")
        || ty.contains("FLOAT")
        || ty.contains("DOUBLE")
        || ty == "NUMERIC"
    {
        Value::Float(row.try_get_unchecked(i).map_err(err)?)
    } else if ty.contains("BLOB") {
        Value::Bytes(row.try_get_unchecked(i).map_err(err)?)
    } else {
        Value::Text(row.try_get_unchecked(i).map_err(err)?)
    })
}

/// Returns a timestamp with time zone as `YYYY-MM-DD HH:MM:SS[.ffffff]+00:00`.
fn utc_text(t: chrono::DateTime<chrono::Utc>) -> String {
    format!("{}+00:00", naive_text(t.naive_utc()))
}

/// Returns a timestamp without time zone as `YYYY-MM-DD HH:MM:SS[.ffffff]` (microseconds only
/// when there are some, as the databases print them).
fn naive_text(t: chrono::NaiveDateTime) -> String {
    if t.and_utc().timestamp_subsec_micros() == 0 {
        t.format("%Y-%m-%d %H:%M:%S").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
    }
}

/// Returns nothing; a [`Value::Timestamp`] parsed back into the type it names, for binding.
pub(crate) enum TimeParam {
    Utc(chrono::DateTime<chrono::Utc>),
    Naive(chrono::NaiveDateTime),
    Date(chrono::NaiveDate),
    /// Text no timestamp format reads (bound as text; the database says what is wrong).
    Text(String),
}

/// Returns the bindable form of a timestamp's text.
pub(crate) fn time_param(text: &str) -> TimeParam {
    use chrono::{NaiveDate, NaiveDateTime};
    if let Some(naive) = text.strip_suffix("+00:00") {
        if let Ok(t) = NaiveDateTime::parse_from_str(naive, "%Y-%m-%d %H:%M:%S%.f") {
            return TimeParam::Utc(t.and_utc());
        }
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f") {
        return TimeParam::Naive(t);
    }
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return TimeParam::Date(d);
    }
    TimeParam::Text(text.to_string())
}

/// Returns a catalog cell as text ("" for NULL; bytes decoded lossily).
pub(crate) fn cell_text(v: &Value) -> String {
    match v {
        Value::Text(s) | Value::Timestamp(s) => s.clone(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        Value::Null => String::new(),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Float(f) => f.to_string(),
    }
}

/// Returns a catalog cell as text, `None` for NULL.
pub(crate) fn cell_opt_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        other => Some(cell_text(other)),
    }
}

/// Returns whether a catalog cell says yes (booleans, 0/1, `YES`/`t`/`true`).
pub(crate) fn cell_truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Int(i) => *i != 0,
        Value::Text(s) => matches!(s.as_str(), "YES" | "yes" | "1" | "t" | "true"),
        _ => false,
    }
}

/// Returns rows decoded with `decode`, naming the column of the first failure.
pub(crate) fn decode_rows<R: Row>(
    rows: &[R],
    decode: fn(&R, usize) -> Decoded,
) -> Result<Rows, (String, String)> {
    let mut out = Rows::default();
    if let Some(first) = rows.first() {
        out.columns = first
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect();
    }
    for row in rows {
        let mut values = Vec::with_capacity(out.columns.len());
        for i in 0..out.columns.len() {
            values.push(decode(row, i).map_err(|e| (out.columns[i].clone(), e))?);
        }
        out.rows.push(values);
    }
    Ok(out)
}

/// Binds every value of `params` to a query, in order.
macro_rules! bind_params {
    ($query:expr, $params:expr) => {{
        let mut q = $query;
        for p in $params {
            q = match p {
                migdoctor_model::Value::Null => q.bind(None::<String>),
                migdoctor_model::Value::Bool(b) => q.bind(*b),
                migdoctor_model::Value::Int(i) => q.bind(*i),
                migdoctor_model::Value::Float(f) => q.bind(*f),
                migdoctor_model::Value::Text(s) => q.bind(s.clone()),
                migdoctor_model::Value::Bytes(b) => q.bind(b.clone()),
                migdoctor_model::Value::Timestamp(t) => match $crate::values::time_param(t) {
                    $crate::values::TimeParam::Utc(t) => q.bind(t),
                    $crate::values::TimeParam::Naive(t) => q.bind(t),
                    $crate::values::TimeParam::Date(d) => q.bind(d),
                    $crate::values::TimeParam::Text(s) => q.bind(s),
                },
            };
        }
        q
    }};
}
pub(crate) use bind_params;
