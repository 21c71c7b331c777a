//! Reading Parquet tables (feature `parquet`). Every column is cast to text with Arrow's own
//! formatting (shortest round-trip for floats), so the rest of the engine treats a Parquet file
//! exactly like a CSV file; a null becomes an empty cell and is reported as such.

use arrow_array::{Array, StringArray};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::EvalError;

/// Column names, and each column's cells as text (`None` for a null).
pub(crate) type TextColumns = (Vec<String>, Vec<Vec<Option<String>>>);

/// The columns of a Parquet file as text.
pub(crate) fn read(file: &str, bytes: &[u8]) -> Result<TextColumns, EvalError> {
    let fail = |e: &dyn std::fmt::Display| EvalError::File {
        file: file.to_owned(),
        message: format!("无法读取 Parquet 文件 / cannot read the Parquet file: {e}"),
    };
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::copy_from_slice(bytes)).map_err(|e| fail(&e))?;
    let names: Vec<String> = builder.schema().fields().iter().map(|f| f.name().clone()).collect();
    let mut columns: Vec<Vec<Option<String>>> = vec![Vec::new(); names.len()];
    for batch in builder.build().map_err(|e| fail(&e))? {
        let batch = batch.map_err(|e| fail(&e))?;
        for (c, array) in batch.columns().iter().enumerate() {
            let text = arrow_cast::cast(array, &DataType::Utf8).map_err(|e| fail(&e))?;
            let text = text.as_any().downcast_ref::<StringArray>().ok_or_else(|| fail(&"not text after cast"))?;
            columns[c].extend((0..text.len()).map(|r| text.is_valid(r).then(|| text.value(r).to_owned())));
        }
    }
    Ok((names, columns))
}
