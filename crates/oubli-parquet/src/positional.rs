//! The input file as a [`ChunkReader`] that reads with positional reads
//! (`pread`), so that several threads can read one file at once.
//!
//! The `parquet` crate's own `ChunkReader` for `File` clones the handle and
//! seeks: clones share one file offset, so a reader thread decoding a row group
//! and the writer thread copying (splicing) a kept column chunk of the same
//! file move each other's offset, and one of them reads the wrong bytes ("the
//! file is truncated or corrupt" on a sound file, or worse, wrong data that
//! happens to decode). Positional reads carry their own offset.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::os::unix::fs::FileExt as _;
use std::sync::Arc;

use bytes::Bytes;
use parquet::errors::Result as PqResult;
use parquet::file::reader::{ChunkReader, Length};

/// A shared, read-only handle to the input; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct PositionalFile {
    file: Arc<File>,
    len: u64,
}

impl PositionalFile {
    /// A positional reader of `file` (a new handle to the same open file).
    pub(crate) fn new(file: &File) -> io::Result<PositionalFile> {
        let file = file.try_clone()?;
        let len = file.metadata()?.len();
        Ok(PositionalFile {
            file: Arc::new(file),
            len,
        })
    }
}

impl Length for PositionalFile {
    fn len(&self) -> u64 {
        self.len
    }
}

impl ChunkReader for PositionalFile {
    type T = BufReader<At>;

    fn get_read(&self, start: u64) -> PqResult<Self::T> {
        Ok(BufReader::new(At {
            file: Arc::clone(&self.file),
            offset: start,
        }))
    }

    fn get_bytes(&self, start: u64, length: usize) -> PqResult<Bytes> {
        let mut buffer = vec![0; length];
        self.file.read_exact_at(&mut buffer, start)?;
        Ok(buffer.into())
    }
}

/// A [`Read`] from an offset of the shared file, by positional reads.
#[derive(Debug)]
pub(crate) struct At {
    file: Arc<File>,
    offset: u64,
}

impl Read for At {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read_at(buf, self.offset)?;
        self.offset += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    /// Readers at different offsets on several threads each get their own
    /// bytes, whatever the others do; `get_bytes` past the end is an error.
    #[test]
    fn concurrent_readers_do_not_move_each_other() {
        let mut tmp = tempfile::tempfile().unwrap();
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
        tmp.write_all(&data).unwrap();
        let file = PositionalFile::new(&tmp).unwrap();
        assert_eq!(file.len(), data.len() as u64);
        std::thread::scope(|s| {
            for t in 0..4u64 {
                let (file, data) = (file.clone(), &data);
                s.spawn(move || {
                    for round in 0..200u64 {
                        let start = (t * 7919 + round * 4099) % 900_000;
                        let mut got = vec![0; 1000];
                        file.get_read(start).unwrap().read_exact(&mut got).unwrap();
                        assert_eq!(got, data[start as usize..start as usize + 1000]);
                        let bytes = file.get_bytes(start + 17, 333).unwrap();
                        assert_eq!(&bytes[..], &data[start as usize + 17..start as usize + 350]);
                    }
                });
            }
        });
        assert!(file.get_bytes(999_990, 11).is_err());
    }
}
