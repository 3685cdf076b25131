//! File objects: what `open()` returns and what `sys.stdin/stdout/stderr`
//! are. One payload serves the four CPython types a user can see
//! (`TextIOWrapper`, `BufferedReader`, `BufferedWriter`, `BufferedRandom`).
//!
//! Reading keeps undecoded bytes in `rbuf[rpos..]`, so the byte position of
//! the next character is always known (`tell`, `seek`) and decoding happens
//! a line or a requested run of characters at a time. Writing appends
//! encoded bytes to `wbuf`, flushed when it grows past `WBUF`, at a newline
//! when line-buffered (a terminal), on `flush`/`close`, and when the last
//! reference goes. Invariant: at most one of `rbuf` (unread input) and
//! `wbuf` (unwritten output) is non-empty; switching direction flushes or
//! rewinds first.

use std::any::Any;
use std::cell::RefCell;
use std::io::{Read, Seek, SeekFrom, Write};

use crate::object::native::NativeObject;
use crate::object::rc::ObjRef;
use crate::object::value::Value;
use crate::vm::{PyResult, Vm};

const WBUF: usize = 8192;
const CHUNK: usize = 65536;

/// Where the bytes go.
pub enum Raw {
    File(std::fs::File),
    Stdin,
    Stdout,
    Stderr,
    Closed,
}

/// Text encodings a file can use.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Enc {
    Utf8,
    Latin1,
    Ascii,
}

impl Enc {
    pub fn from_name(name: &str) -> Option<Enc> {
        match name.to_ascii_lowercase().replace(['_', ' '], "-").as_str() {
            "utf-8" | "utf8" | "u8" | "utf" => Some(Enc::Utf8),
            "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" | "l1" | "8859" | "cp819" => {
                Some(Enc::Latin1)
            }
            "ascii" | "us-ascii" | "646" => Some(Enc::Ascii),
            _ => None,
        }
    }
    pub fn codec(self) -> &'static str {
        match self {
            Enc::Utf8 => "utf-8",
            Enc::Latin1 => "latin-1",
            Enc::Ascii => "ascii",
        }
    }
}

/// The `newline` argument of `open()`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Newline {
    /// None: any of \n, \r, \r\n ends a line and reads as \n.
    Universal,
    /// '': any ending ends a line; nothing is translated.
    Untranslated,
    Lf,
    Cr,
    CrLf,
}

pub struct TextCfg {
    /// As `f.encoding` reports it.
    pub encoding: String,
    pub enc: Enc,
    pub errors: String,
    pub newline: Newline,
}

pub struct FileState {
    pub raw: Raw,
    rbuf: Vec<u8>,
    rpos: usize,
    wbuf: Vec<u8>,
    eof: bool,
}

pub struct FileObj {
    pub st: RefCell<FileState>,
    /// `f.name`: a path (str) or a descriptor number.
    pub name: Value,
    pub mode: String,
    pub text: Option<TextCfg>,
    pub readable: bool,
    pub writable: bool,
    pub append: bool,
    pub line_buffering: bool,
    /// False for `open(fd, closefd=False)`: closing leaves the descriptor open.
    pub closefd: bool,
}

impl NativeObject for FileObj {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        if let Value::Obj(o) = &self.name {
            visit(o);
        }
    }
    fn iter(&self, vm: &mut Vm, me: &ObjRef) -> Option<PyResult<Value>> {
        Some(self.check_open(vm).map(|_| Value::Obj(me.clone())))
    }
    fn is_iterator(&self) -> bool {
        true
    }
    fn next(&self, vm: &mut Vm, _me: &ObjRef) -> Option<PyResult<Option<Value>>> {
        Some(
            self.readline(vm, None)
                .map(|line| if is_empty(&line) { None } else { Some(line) }),
        )
    }
    fn repr(&self, vm: &mut Vm, _me: &ObjRef) -> Option<PyResult<String>> {
        let name = match vm.repr(&self.name) {
            Ok(n) => n,
            Err(e) => return Some(Err(e)),
        };
        Some(Ok(match &self.text {
            Some(t) => format!(
                "<_io.TextIOWrapper name={name} mode='{}' encoding='{}'>",
                self.mode, t.encoding
            ),
            None => format!("<_io.{} name={name}>", self.type_name()),
        }))
    }
    fn getattr(&self, vm: &mut Vm, _me: &ObjRef, name: &str) -> Option<PyResult<Value>> {
        Some(Ok(match name {
            "name" => self.name.clone(),
            "mode" => vm.str_val(&self.mode),
            "closed" => Value::Bool(self.is_closed()),
            "encoding" => match &self.text {
                Some(t) => vm.str_val(&t.encoding),
                None => return None,
            },
            "errors" => match &self.text {
                Some(t) => vm.str_val(&t.errors),
                None => return None,
            },
            "line_buffering" => Value::Bool(self.line_buffering),
            _ => return None,
        }))
    }
    fn extra_size(&self) -> usize {
        let st = self.st.borrow();
        st.rbuf.capacity() + st.wbuf.capacity()
    }
}

impl Drop for FileObj {
    fn drop(&mut self) {
        // Refcounting closes a file when its last reference goes.
        let _ = self.flush_raw();
        self.release_raw();
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Obj(o) => crate::object::str::str_of(o)
            .map(|s| s.is_empty())
            .unwrap_or_else(|| {
                o.downcast::<crate::object::bytes::Bytes>()
                    .is_some_and(|b| b.data.is_empty())
            }),
        _ => true,
    }
}

impl FileObj {
    pub fn new(
        raw: Raw,
        name: Value,
        mode: String,
        text: Option<TextCfg>,
        flags: (bool, bool, bool),
        line_buffering: bool,
    ) -> FileObj {
        FileObj {
            st: RefCell::new(FileState {
                raw,
                rbuf: Vec::new(),
                rpos: 0,
                wbuf: Vec::new(),
                eof: false,
            }),
            name,
            mode,
            text,
            readable: flags.0,
            writable: flags.1,
            append: flags.2,
            line_buffering,
            closefd: true,
        }
    }

    /// The CPython class this object presents as.
    pub fn type_name(&self) -> &'static str {
        match (&self.text, self.readable, self.writable) {
            (Some(_), _, _) => "TextIOWrapper",
            (None, true, true) => "BufferedRandom",
            (None, true, false) => "BufferedReader",
            (None, _, _) => "BufferedWriter",
        }
    }

    pub fn is_closed(&self) -> bool {
        matches!(self.st.borrow().raw, Raw::Closed)
    }

    pub fn is_std(&self) -> bool {
        matches!(self.st.borrow().raw, Raw::Stdin | Raw::Stdout | Raw::Stderr)
    }

    pub fn check_open(&self, vm: &mut Vm) -> PyResult<()> {
        if self.is_closed() {
            return Err(vm.value_error("I/O operation on closed file."));
        }
        Ok(())
    }

    fn check_readable(&self, vm: &mut Vm) -> PyResult<()> {
        self.check_open(vm)?;
        if !self.readable {
            return Err(super::unsupported(vm, "not readable"));
        }
        Ok(())
    }

    fn check_writable(&self, vm: &mut Vm) -> PyResult<()> {
        self.check_open(vm)?;
        if !self.writable {
            return Err(super::unsupported(vm, "not writable"));
        }
        Ok(())
    }

    /// Writes out `wbuf`.
    pub fn flush_raw(&self) -> std::io::Result<()> {
        let mut st = self.st.borrow_mut();
        let st = &mut *st;
        if st.wbuf.is_empty() {
            return match &mut st.raw {
                Raw::Stdout => std::io::stdout().flush(),
                _ => Ok(()),
            };
        }
        let data = std::mem::take(&mut st.wbuf);
        match &mut st.raw {
            Raw::File(f) => f.write_all(&data),
            Raw::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(&data).and_then(|_| out.flush())
            }
            Raw::Stderr => {
                let mut out = std::io::stderr().lock();
                out.write_all(&data).and_then(|_| out.flush())
            }
            _ => Ok(()),
        }
    }

    pub fn flush(&self, vm: &mut Vm) -> PyResult<()> {
        self.check_open(vm)?;
        self.flush_raw().map_err(|e| vm.io_error_plain(&e))
    }

    pub fn close(&self, vm: &mut Vm) -> PyResult<()> {
        if self.is_closed() {
            return Ok(());
        }
        let r = self.flush_raw();
        self.release_raw();
        r.map_err(|e| vm.io_error_plain(&e))
    }

    /// Drops the raw stream, closing its descriptor unless `closefd` is off.
    fn release_raw(&self) {
        let old = std::mem::replace(&mut self.st.borrow_mut().raw, Raw::Closed);
        if let Raw::File(f) = old {
            use std::os::fd::IntoRawFd;
            let fd = f.into_raw_fd();
            if self.closefd {
                extern "C" {
                    fn close(fd: i32) -> i32;
                }
                // SAFETY: plain close(2) on the descriptor we owned. Closing it
                // ourselves (not through OwnedFd) tolerates a descriptor the
                // program already closed with os.close, which CPython reports
                // quietly rather than aborting.
                unsafe { close(fd) };
            }
        }
    }

    // ----- writing -----

    /// Appends bytes for output, flushing as the buffering mode says.
    fn push_out(&self, vm: &mut Vm, data: &[u8]) -> PyResult<()> {
        self.drop_read_ahead(vm)?;
        let flush = {
            let mut st = self.st.borrow_mut();
            st.wbuf.extend_from_slice(data);
            let stderr = matches!(st.raw, Raw::Stderr);
            st.wbuf.len() >= WBUF || stderr || (self.line_buffering && data.contains(&b'\n'))
        };
        if flush {
            self.flush_raw().map_err(|e| vm.io_error_plain(&e))?;
        }
        Ok(())
    }

    /// `write(s)` on a text file: returns the number of characters.
    pub fn write_text(&self, vm: &mut Vm, s: &str) -> PyResult<usize> {
        self.check_writable(vm)?;
        let t = self.text.as_ref().expect("text file");
        let translated;
        let s = match t.newline {
            Newline::Cr if s.contains('\n') => {
                translated = s.replace('\n', "\r");
                &translated
            }
            Newline::CrLf if s.contains('\n') => {
                translated = s.replace('\n', "\r\n");
                &translated
            }
            _ => s,
        };
        let bytes = if t.enc == Enc::Utf8 && t.errors == "strict" {
            s.as_bytes().to_vec()
        } else {
            vm.encode_str(s, t.enc.codec(), &t.errors)?
        };
        self.push_out(vm, &bytes)?;
        Ok(s.chars().count())
    }

    /// `write(b)` on a binary file.
    pub fn write_bytes(&self, vm: &mut Vm, b: &[u8]) -> PyResult<usize> {
        self.check_writable(vm)?;
        self.push_out(vm, b)?;
        Ok(b.len())
    }

    // ----- reading -----

    /// Reads more input into `rbuf`; false at end of input.
    fn fill(&self, vm: &mut Vm) -> PyResult<bool> {
        if !self.st.borrow().wbuf.is_empty() {
            self.flush_raw().map_err(|e| vm.io_error_plain(&e))?;
        }
        let mut st = self.st.borrow_mut();
        if st.eof && !matches!(st.raw, Raw::Stdin) {
            return Ok(false);
        }
        if st.rpos > 0 {
            let p = st.rpos;
            st.rbuf.drain(..p);
            st.rpos = 0;
        }
        let mut chunk = vec![0u8; CHUNK];
        let r = match &mut st.raw {
            Raw::File(f) => f.read(&mut chunk),
            Raw::Stdin => {
                // Whatever is written to stdout shows before we wait for input.
                let _ = std::io::stdout().flush();
                std::io::stdin().lock().read(&mut chunk)
            }
            _ => Ok(0),
        };
        match r {
            Ok(0) => {
                st.eof = true;
                Ok(false)
            }
            Ok(n) => {
                st.rbuf.extend_from_slice(&chunk[..n]);
                Ok(true)
            }
            Err(e) => {
                drop(st);
                Err(vm.io_error_plain(&e))
            }
        }
    }

    /// Forgets read-ahead before writing, moving the OS position back to
    /// the logical one.
    fn drop_read_ahead(&self, vm: &mut Vm) -> PyResult<()> {
        let mut st = self.st.borrow_mut();
        let unread = st.rbuf.len() - st.rpos;
        if unread == 0 {
            st.rbuf.clear();
            st.rpos = 0;
            return Ok(());
        }
        st.rbuf.clear();
        st.rpos = 0;
        st.eof = false;
        if let Raw::File(f) = &mut st.raw {
            if let Err(e) = f.seek(SeekFrom::Current(-(unread as i64))) {
                drop(st);
                return Err(vm.io_error_plain(&e));
            }
        }
        Ok(())
    }

    /// All remaining input bytes.
    fn read_rest(&self, vm: &mut Vm) -> PyResult<Vec<u8>> {
        while self.fill(vm)? {}
        let mut st = self.st.borrow_mut();
        let p = st.rpos;
        let out = st.rbuf.split_off(p);
        st.rbuf.clear();
        st.rpos = 0;
        Ok(out)
    }

    /// Up to `n` input bytes (fewer only at end of input).
    fn read_n(&self, vm: &mut Vm, n: usize) -> PyResult<Vec<u8>> {
        loop {
            {
                let st = self.st.borrow();
                if st.rbuf.len() - st.rpos >= n {
                    break;
                }
            }
            if !self.fill(vm)? {
                break;
            }
        }
        let mut st = self.st.borrow_mut();
        let end = (st.rpos + n).min(st.rbuf.len());
        let out = st.rbuf[st.rpos..end].to_vec();
        st.rpos = end;
        Ok(out)
    }

    /// The bytes of the next line, terminator included (empty at EOF).
    fn line_bytes(&self, vm: &mut Vm, mode: Newline) -> PyResult<Vec<u8>> {
        let mut from = 0;
        loop {
            let found = {
                let st = self.st.borrow();
                let buf = &st.rbuf[st.rpos..];
                let mut hit = None;
                let mut i = from;
                while i < buf.len() {
                    match (mode, buf[i]) {
                        (Newline::Lf, b'\n') | (Newline::Cr, b'\r') => {
                            hit = Some(i + 1);
                            break;
                        }
                        (Newline::CrLf, b'\r') if buf.get(i + 1) == Some(&b'\n') => {
                            hit = Some(i + 2);
                            break;
                        }
                        (Newline::Universal | Newline::Untranslated, b'\n') => {
                            hit = Some(i + 1);
                            break;
                        }
                        (Newline::Universal | Newline::Untranslated, b'\r') => {
                            if i + 1 < buf.len() {
                                hit = Some(if buf[i + 1] == b'\n' { i + 2 } else { i + 1 });
                                break;
                            }
                            // A \r at the end: is a \n coming?
                            break;
                        }
                        _ => i += 1,
                    }
                }
                from = i;
                hit
            };
            if let Some(end) = found {
                let mut st = self.st.borrow_mut();
                let start = st.rpos;
                st.rpos += end;
                return Ok(st.rbuf[start..start + end].to_vec());
            }
            if !self.fill(vm)? {
                let mut st = self.st.borrow_mut();
                let p = st.rpos;
                let out = st.rbuf[p..].to_vec();
                st.rpos = st.rbuf.len();
                return Ok(out);
            }
        }
    }

    fn decode(&self, vm: &mut Vm, bytes: &[u8]) -> PyResult<String> {
        let t = self.text.as_ref().expect("text file");
        let s = if t.enc == Enc::Utf8 && t.errors == "strict" {
            match std::str::from_utf8(bytes) {
                Ok(s) => s.to_string(),
                Err(_) => vm.decode_bytes(bytes, "utf-8", "strict")?,
            }
        } else {
            vm.decode_bytes(bytes, t.enc.codec(), &t.errors)?
        };
        Ok(if t.newline == Newline::Universal && s.contains('\r') {
            s.replace("\r\n", "\n").replace('\r', "\n")
        } else {
            s
        })
    }

    /// `readline([size])`.
    pub fn readline(&self, vm: &mut Vm, size: Option<usize>) -> PyResult<Value> {
        self.check_readable(vm)?;
        match &self.text {
            None => {
                let mut line = self.line_bytes(vm, Newline::Lf)?;
                if let Some(n) = size {
                    if line.len() > n {
                        self.unread(line.len() - n);
                        line.truncate(n);
                    }
                }
                Ok(Value::Obj(vm.new_bytes(line)))
            }
            Some(t) => {
                let bytes = self.line_bytes(vm, t.newline)?;
                let s = self.decode(vm, &bytes)?;
                if let Some(n) = size {
                    if s.chars().count() > n {
                        let keep: String = s.chars().take(n).collect();
                        let used = vm
                            .encode_str(&keep, t.enc.codec(), "replace")
                            .map(|b| b.len())
                            .unwrap_or(bytes.len());
                        self.unread(bytes.len() - used.min(bytes.len()));
                        return Ok(vm.str_val(&keep));
                    }
                }
                Ok(vm.str_val(&s))
            }
        }
    }

    fn unread(&self, n: usize) {
        let mut st = self.st.borrow_mut();
        st.rpos -= n.min(st.rpos);
    }

    /// `read([size])`.
    pub fn read(&self, vm: &mut Vm, size: Option<usize>) -> PyResult<Value> {
        self.check_readable(vm)?;
        match (&self.text, size) {
            (None, None) => {
                let b = self.read_rest(vm)?;
                Ok(Value::Obj(vm.new_bytes(b)))
            }
            (None, Some(n)) => {
                let b = self.read_n(vm, n)?;
                Ok(Value::Obj(vm.new_bytes(b)))
            }
            (Some(_), None) => {
                let b = self.read_rest(vm)?;
                let s = self.decode(vm, &b)?;
                Ok(vm.str_val(&s))
            }
            (Some(t), Some(n)) => {
                // Take bytes for `n` characters (a \r\n pair is one when
                // translated), decoding once they are all in the buffer.
                let (enc, universal) = (t.enc, t.newline == Newline::Universal);
                loop {
                    let (enough, _) = {
                        let st = self.st.borrow();
                        char_bytes(&st.rbuf[st.rpos..], n, enc, universal, st.eof)
                    };
                    if enough || !self.fill(vm)? {
                        break;
                    }
                }
                let bytes = {
                    let mut st = self.st.borrow_mut();
                    let (_, len) = char_bytes(&st.rbuf[st.rpos..], n, enc, universal, true);
                    let start = st.rpos;
                    st.rpos += len;
                    st.rbuf[start..start + len].to_vec()
                };
                let s = self.decode(vm, &bytes)?;
                Ok(vm.str_val(&s))
            }
        }
    }

    // ----- positioning -----

    pub fn tell(&self, vm: &mut Vm) -> PyResult<i64> {
        self.check_open(vm)?;
        self.flush_raw().map_err(|e| vm.io_error_plain(&e))?;
        let mut st = self.st.borrow_mut();
        let unread = (st.rbuf.len() - st.rpos) as i64;
        match &mut st.raw {
            Raw::File(f) => match f.stream_position() {
                Ok(p) => Ok(p as i64 - unread),
                Err(e) => {
                    drop(st);
                    Err(vm.io_error_plain(&e))
                }
            },
            _ => {
                drop(st);
                Err(vm.os_error_errno(29, "Illegal seek"))
            }
        }
    }

    pub fn seek(&self, vm: &mut Vm, offset: i64, whence: i64) -> PyResult<i64> {
        self.check_open(vm)?;
        if self.text.is_some() && offset != 0 && whence != 0 {
            let msg = if whence == 1 {
                "can't do nonzero cur-relative seeks"
            } else {
                "can't do nonzero end-relative seeks"
            };
            return Err(super::unsupported(vm, msg));
        }
        let target = match whence {
            0 => {
                if offset < 0 {
                    return Err(vm.value_error(format!("negative seek position {offset}")));
                }
                SeekFrom::Start(offset as u64)
            }
            1 => SeekFrom::Current(offset),
            2 => SeekFrom::End(offset),
            _ => {
                return Err(
                    vm.value_error(format!("invalid whence ({whence}, should be 0, 1 or 2)"))
                )
            }
        };
        // Make the OS position the logical one, then move.
        self.flush_raw().map_err(|e| vm.io_error_plain(&e))?;
        if whence == 1 {
            self.drop_read_ahead(vm)?;
        } else {
            let mut st = self.st.borrow_mut();
            st.rbuf.clear();
            st.rpos = 0;
        }
        let mut st = self.st.borrow_mut();
        st.eof = false;
        match &mut st.raw {
            Raw::File(f) => match f.seek(target) {
                Ok(p) => Ok(p as i64),
                Err(e) => {
                    drop(st);
                    Err(vm.io_error_plain(&e))
                }
            },
            _ => {
                drop(st);
                Err(vm.os_error_errno(29, "Illegal seek"))
            }
        }
    }

    pub fn truncate(&self, vm: &mut Vm, size: Option<i64>) -> PyResult<i64> {
        self.check_writable(vm)?;
        let size = match size {
            Some(s) => s,
            None => self.tell(vm)?,
        };
        self.flush_raw().map_err(|e| vm.io_error_plain(&e))?;
        let st = self.st.borrow();
        if let Raw::File(f) = &st.raw {
            if let Err(e) = f.set_len(size.max(0) as u64) {
                drop(st);
                return Err(vm.io_error_plain(&e));
            }
        }
        Ok(size)
    }

    pub fn fileno(&self, vm: &mut Vm) -> PyResult<i64> {
        self.check_open(vm)?;
        match &self.st.borrow().raw {
            Raw::Stdin => Ok(0),
            Raw::Stdout => Ok(1),
            Raw::Stderr => Ok(2),
            Raw::File(f) => {
                use std::os::fd::AsRawFd;
                Ok(f.as_raw_fd() as i64)
            }
            Raw::Closed => Ok(-1),
        }
    }

    pub fn isatty(&self, vm: &mut Vm) -> PyResult<bool> {
        use std::io::IsTerminal;
        self.check_open(vm)?;
        Ok(match &self.st.borrow().raw {
            Raw::Stdin => std::io::stdin().is_terminal(),
            Raw::Stdout => std::io::stdout().is_terminal(),
            Raw::Stderr => std::io::stderr().is_terminal(),
            Raw::File(f) => f.is_terminal(),
            Raw::Closed => false,
        })
    }
}

/// How many bytes of `buf` hold the first `n` characters; `true` when all
/// `n` are there (or `eof` says no more will come).
fn char_bytes(buf: &[u8], n: usize, enc: Enc, universal: bool, eof: bool) -> (bool, usize) {
    let mut i = 0;
    let mut count = 0;
    while count < n {
        if i >= buf.len() {
            return (eof, buf.len());
        }
        let len = match enc {
            Enc::Utf8 => match buf[i] {
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                0xF0..=0xF7 => 4,
                _ => 1,
            },
            _ => 1,
        };
        if universal && buf[i] == b'\r' {
            if i + 1 >= buf.len() && !eof {
                return (false, i);
            }
            if buf.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
        }
        if i + len > buf.len() {
            return (eof, buf.len());
        }
        i += len;
        count += 1;
    }
    (true, i)
}
