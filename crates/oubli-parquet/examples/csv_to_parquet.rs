//! Converts a CSV file on stdin to Parquet, with typed columns: used to make the
//! Parquet input of the large-dataset benchmark from `gen_customers`.
//!
//! ```text
//! gen_customers 2000000000 | csv_to_parquet OUT.parquet [COLUMN=TYPE ...]
//! ```
//!
//! TYPE is `string` (the default for unnamed columns), `int64`, `double`,
//! `date32` (YYYY-MM-DD) or `bool`. Empty fields are NULL in typed columns. The
//! output is Snappy-compressed, in row groups of 1,048,576 rows; the number of
//! rows and bytes is printed on stderr as `rows=N bytes=M`.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, StringBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

const BATCH: usize = 65_536;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((out, specs)) = args.split_first() else {
        eprintln!("usage: csv_to_parquet OUT.parquet [COLUMN=TYPE ...] < IN.csv");
        return ExitCode::from(2);
    };
    let mut types = HashMap::new();
    for spec in specs {
        let Some((column, ty)) = spec.split_once('=') else {
            eprintln!("csv_to_parquet: `{spec}` is not COLUMN=TYPE");
            return ExitCode::from(2);
        };
        let ty = match ty {
            "string" => DataType::Utf8,
            "int64" => DataType::Int64,
            "double" => DataType::Float64,
            "date32" => DataType::Date32,
            "bool" => DataType::Boolean,
            other => {
                eprintln!("csv_to_parquet: unknown type `{other}`");
                return ExitCode::from(2);
            }
        };
        types.insert(column.to_owned(), ty);
    }
    match convert(out, &types) {
        Ok((rows, bytes)) => {
            eprintln!("rows={rows} bytes={bytes}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("csv_to_parquet: {e}");
            ExitCode::from(2)
        }
    }
}

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn days(text: &str) -> Option<i32> {
    let (y, rest) = text.split_once('-')?;
    let (m, d) = rest.split_once('-')?;
    let (y, m, d): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    // H. Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    i32::try_from(era * 146_097 + doe - 719_468).ok()
}

fn builder(ty: &DataType) -> Box<dyn ArrayBuilder> {
    match ty {
        DataType::Int64 => Box::new(Int64Builder::with_capacity(BATCH)),
        DataType::Float64 => Box::new(Float64Builder::with_capacity(BATCH)),
        DataType::Date32 => Box::new(Date32Builder::with_capacity(BATCH)),
        DataType::Boolean => Box::new(BooleanBuilder::with_capacity(BATCH)),
        _ => Box::new(StringBuilder::with_capacity(BATCH, BATCH * 16)),
    }
}

fn append(b: &mut dyn ArrayBuilder, ty: &DataType, field: &str) -> Result<()> {
    let any = b.as_any_mut();
    let bad = || format!("`{field}` is not a {ty}");
    match ty {
        DataType::Int64 => {
            let b = any.downcast_mut::<Int64Builder>().ok_or("builder")?;
            if field.is_empty() {
                b.append_null();
            } else {
                b.append_value(field.parse().map_err(|_| bad())?);
            }
        }
        DataType::Float64 => {
            let b = any.downcast_mut::<Float64Builder>().ok_or("builder")?;
            if field.is_empty() {
                b.append_null();
            } else {
                b.append_value(field.parse().map_err(|_| bad())?);
            }
        }
        DataType::Date32 => {
            let b = any.downcast_mut::<Date32Builder>().ok_or("builder")?;
            if field.is_empty() {
                b.append_null();
            } else {
                b.append_value(days(field).ok_or_else(bad)?);
            }
        }
        DataType::Boolean => {
            let b = any.downcast_mut::<BooleanBuilder>().ok_or("builder")?;
            match field {
                "" => b.append_null(),
                "true" => b.append_value(true),
                "false" => b.append_value(false),
                _ => return Err(bad().into()),
            }
        }
        _ => any
            .downcast_mut::<StringBuilder>()
            .ok_or("builder")?
            .append_value(field),
    }
    Ok(())
}

fn convert(out: &str, types: &HashMap<String, DataType>) -> Result<(u64, u64)> {
    let mut reader = csv::ReaderBuilder::new().from_reader(std::io::stdin().lock());
    let header: Vec<String> = reader.headers()?.iter().map(str::to_owned).collect();
    let column_types: Vec<DataType> = header
        .iter()
        .map(|h| types.get(h).cloned().unwrap_or(DataType::Utf8))
        .collect();
    let schema = Arc::new(Schema::new(
        header
            .iter()
            .zip(&column_types)
            .map(|(h, t)| Field::new(h, t.clone(), *t != DataType::Utf8))
            .collect::<Vec<_>>(),
    ));
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(1_048_576))
        .build();
    let file = std::fs::File::create(out)?;
    let mut writer = ArrowWriter::try_new(file, Arc::clone(&schema), Some(props))?;
    let mut builders: Vec<Box<dyn ArrayBuilder>> = column_types.iter().map(builder).collect();
    let mut record = csv::StringRecord::new();
    let (mut rows, mut pending) = (0u64, 0usize);
    let flush = |builders: &mut Vec<Box<dyn ArrayBuilder>>,
                 writer: &mut ArrowWriter<std::fs::File>|
     -> Result<()> {
        let columns: Vec<ArrayRef> = builders.iter_mut().map(|b| b.finish()).collect();
        writer.write(&RecordBatch::try_new(Arc::clone(&schema), columns)?)?;
        Ok(())
    };
    while reader.read_record(&mut record)? {
        for ((b, ty), field) in builders.iter_mut().zip(&column_types).zip(record.iter()) {
            append(b.as_mut(), ty, field)?;
        }
        rows += 1;
        pending += 1;
        if pending == BATCH {
            flush(&mut builders, &mut writer)?;
            pending = 0;
        }
    }
    if pending > 0 {
        flush(&mut builders, &mut writer)?;
    }
    writer.close()?;
    Ok((rows, std::fs::metadata(out)?.len()))
}
