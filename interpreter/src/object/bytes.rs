//! The `bytes` payload: an immutable byte string.

use super::kind::Kind;
use super::rc::Payload;

pub struct Bytes {
    pub data: Vec<u8>,
}

impl Bytes {
    pub fn new(data: Vec<u8>) -> Bytes {
        Bytes { data }
    }
}

impl Payload for Bytes {
    const KIND: Kind = Kind::Bytes;
    const NAME: &'static str = "bytes";
    const IS_GC: bool = false;
}
