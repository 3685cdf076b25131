//! Rust-side errors of the embedding API. A Python exception that escapes
//! to Rust keeps its type name, message and formatted traceback.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    /// A Python exception propagated out of the called code.
    #[error("{type_name}: {message}")]
    Exception {
        type_name: String,
        message: String,
        /// CPython-style traceback text, ready to print.
        traceback: String,
    },
    /// The program asked to exit (`sys.exit`, SystemExit) with this status.
    #[error("SystemExit({0})")]
    Exit(i32),
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}
