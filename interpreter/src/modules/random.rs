//! The `random` module: CPython's Mersenne Twister (MT19937 with
//! `init_by_array` seeding; str/bytes seeds through SHA-512 as random.py's
//! version 2 does) and the algorithms of random.py on top of it, so that a
//! seeded program draws exactly CPython's numbers.

use std::any::Any;
use std::cell::RefCell;

use num_bigint::{BigInt, Sign};
use num_traits::{Signed, ToPrimitive};

use crate::object::kind::Kind;
use crate::object::native::{native_ref, Native, NativeObject};
use crate::object::rc::ObjRef;
use crate::object::str::str_of;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::arith::{as_int, as_num, Num};
use crate::vm::{PyResult, Vm};

const N: usize = 624;
const MM: usize = 397;

pub struct Mt {
    state: [u32; N],
    index: usize,
    gauss_next: Option<f64>,
}

impl Mt {
    fn new() -> Mt {
        let mut m = Mt {
            state: [0; N],
            index: N + 1,
            gauss_next: None,
        };
        m.init_genrand(5489);
        m
    }

    fn init_genrand(&mut self, s: u32) {
        self.state[0] = s;
        for i in 1..N {
            let prev = self.state[i - 1];
            self.state[i] = 1812433253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        self.index = N;
    }

    fn init_by_array(&mut self, key: &[u32]) {
        self.init_genrand(19650218);
        let (mut i, mut j) = (1usize, 0usize);
        let klen = key.len().max(1);
        let mut k = N.max(klen);
        while k > 0 {
            let prev = self.state[i - 1];
            self.state[i] = (self.state[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1664525))
                .wrapping_add(*key.get(j).unwrap_or(&0))
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                self.state[0] = self.state[N - 1];
                i = 1;
            }
            if j >= klen {
                j = 0;
            }
            k -= 1;
        }
        k = N - 1;
        while k > 0 {
            let prev = self.state[i - 1];
            self.state[i] = (self.state[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1566083941))
                .wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                self.state[0] = self.state[N - 1];
                i = 1;
            }
            k -= 1;
        }
        self.state[0] = 0x80000000;
        self.index = N;
    }

    fn genrand(&mut self) -> u32 {
        if self.index >= N {
            for kk in 0..N {
                let y = (self.state[kk] & 0x80000000) | (self.state[(kk + 1) % N] & 0x7fffffff);
                let mag = if y & 1 != 0 { 0x9908b0df } else { 0 };
                self.state[kk] = self.state[(kk + MM) % N] ^ (y >> 1) ^ mag;
            }
            self.index = 0;
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >> 18;
        y
    }

    pub(crate) fn random(&mut self) -> f64 {
        let a = (self.genrand() >> 5) as f64;
        let b = (self.genrand() >> 6) as f64;
        (a * 67108864.0 + b) * (1.0 / 9007199254740992.0)
    }

    pub(crate) fn getrandbits(&mut self, k: u64) -> BigInt {
        if k <= 32 {
            return BigInt::from(self.genrand() >> (32 - k));
        }
        let words = k.div_ceil(32) as usize;
        let mut out = Vec::with_capacity(words);
        let mut left = k as i64;
        for _ in 0..words {
            let mut r = self.genrand();
            if left < 32 {
                r >>= 32 - left;
            }
            out.push(r);
            left -= 32;
        }
        BigInt::from_slice(Sign::Plus, &out)
    }

    fn randbelow(&mut self, n: &BigInt) -> BigInt {
        let k = n.bits();
        loop {
            let r = self.getrandbits(k);
            if &r < n {
                return r;
            }
        }
    }

    fn seed_int(&mut self, a: &BigInt) {
        let (_, digits) = a.abs().to_u32_digits();
        let key = if digits.is_empty() { vec![0] } else { digits };
        self.init_by_array(&key);
        self.gauss_next = None;
    }
}

struct RandomState {
    mt: RefCell<Mt>,
}

impl NativeObject for RandomState {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn random_type(vm: &mut Vm) -> ObjRef {
    vm.extra_type("Random", "random")
}

fn new_state(vm: &mut Vm, cls: &ObjRef) -> ObjRef {
    let _ = cls;
    let t = random_type(vm);
    vm.alloc(
        &t,
        Native {
            inner: Box::new(RandomState {
                mt: RefCell::new(Mt::new()),
            }),
        },
    )
}

fn mt_of(o: &Value) -> Option<&RefCell<Mt>> {
    match o {
        Value::Obj(o) => native_ref::<RandomState>(o).map(|s| &s.mt),
        _ => None,
    }
}

pub fn init(vm: &mut Vm) -> PyResult<ObjRef> {
    let t = random_type(vm);
    let methods: &[(&'static str, crate::object::function::NativeFn)] = &[
        ("seed", seed),
        ("random", random),
        ("getrandbits", getrandbits),
        ("randrange", randrange),
        ("randint", randint),
        ("choice", choice),
        ("choices", choices),
        ("shuffle", shuffle),
        ("sample", sample),
        ("uniform", uniform),
        ("gauss", gauss),
        ("normalvariate", normalvariate),
        ("expovariate", expovariate),
        ("triangular", triangular),
        ("getstate", getstate),
        ("setstate", setstate),
    ];
    let methods: Vec<(&'static str, crate::object::function::NativeFn)> = methods
        .iter()
        .chain(super::random_dist::METHODS.iter())
        .copied()
        .collect();
    let methods = &methods[..];
    for (n, f) in methods {
        vm.add_method(&t, n, *f);
    }
    vm.add_staticmethod(&t, "__new__", random_new);
    vm.add_method(&t, "__init__", random_init);
    let inst = new_state(vm, &t);
    seed_from(vm, &Value::Obj(inst.clone()), &Value::None)?;
    Ok(vm.make_module("random", |vm, d| {
        vm.set_in(d, "Random", Value::Obj(t.clone()));
        for (n, f) in methods {
            let b = vm.new_builtin_bound(n, *f, Value::Obj(inst.clone()));
            vm.set_in(d, n, Value::Obj(b));
        }
    }))
}

fn random_new(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let cls = args.pos.remove(0).into_obj().unwrap();
    let s = new_state(vm, &cls);
    Ok(Value::Obj(s))
}

fn random_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = args.pos.get(1).cloned().unwrap_or(Value::None);
    seed_from(vm, &args.pos[0], &a)?;
    Ok(Value::None)
}

fn sha512(data: &[u8]) -> [u8; 64] {
    const K: [u64; 80] = [
        0x428a2f98d728ae22,
        0x7137449123ef65cd,
        0xb5c0fbcfec4d3b2f,
        0xe9b5dba58189dbbc,
        0x3956c25bf348b538,
        0x59f111f1b605d019,
        0x923f82a4af194f9b,
        0xab1c5ed5da6d8118,
        0xd807aa98a3030242,
        0x12835b0145706fbe,
        0x243185be4ee4b28c,
        0x550c7dc3d5ffb4e2,
        0x72be5d74f27b896f,
        0x80deb1fe3b1696b1,
        0x9bdc06a725c71235,
        0xc19bf174cf692694,
        0xe49b69c19ef14ad2,
        0xefbe4786384f25e3,
        0x0fc19dc68b8cd5b5,
        0x240ca1cc77ac9c65,
        0x2de92c6f592b0275,
        0x4a7484aa6ea6e483,
        0x5cb0a9dcbd41fbd4,
        0x76f988da831153b5,
        0x983e5152ee66dfab,
        0xa831c66d2db43210,
        0xb00327c898fb213f,
        0xbf597fc7beef0ee4,
        0xc6e00bf33da88fc2,
        0xd5a79147930aa725,
        0x06ca6351e003826f,
        0x142929670a0e6e70,
        0x27b70a8546d22ffc,
        0x2e1b21385c26c926,
        0x4d2c6dfc5ac42aed,
        0x53380d139d95b3df,
        0x650a73548baf63de,
        0x766a0abb3c77b2a8,
        0x81c2c92e47edaee6,
        0x92722c851482353b,
        0xa2bfe8a14cf10364,
        0xa81a664bbc423001,
        0xc24b8b70d0f89791,
        0xc76c51a30654be30,
        0xd192e819d6ef5218,
        0xd69906245565a910,
        0xf40e35855771202a,
        0x106aa07032bbd1b8,
        0x19a4c116b8d2d0c8,
        0x1e376c085141ab53,
        0x2748774cdf8eeb99,
        0x34b0bcb5e19b48a8,
        0x391c0cb3c5c95a63,
        0x4ed8aa4ae3418acb,
        0x5b9cca4f7763e373,
        0x682e6ff3d6b2b8a3,
        0x748f82ee5defb2fc,
        0x78a5636f43172f60,
        0x84c87814a1f0ab72,
        0x8cc702081a6439ec,
        0x90befffa23631e28,
        0xa4506cebde82bde9,
        0xbef9a3f7b2c67915,
        0xc67178f2e372532b,
        0xca273eceea26619c,
        0xd186b8c721c0c207,
        0xeada7dd6cde0eb1e,
        0xf57d4f7fee6ed178,
        0x06f067aa72176fba,
        0x0a637dc5a2c898a6,
        0x113f9804bef90dae,
        0x1b710b35131c471b,
        0x28db77f523047d84,
        0x32caab7b40c72493,
        0x3c9ebe0a15c9bebc,
        0x431d67c49c100d4c,
        0x4cc5d4becb3e42b6,
        0x597f299cfc657e2a,
        0x5fcb6fab3ad6faec,
        0x6c44198c4a475817,
    ];
    let mut h: [u64; 8] = [
        0x6a09e667f3bcc908,
        0xbb67ae8584caa73b,
        0x3c6ef372fe94f82b,
        0xa54ff53a5f1d36f1,
        0x510e527fade682d1,
        0x9b05688c2b3e6c1f,
        0x1f83d9abfb41bd6b,
        0x5be0cd19137e2179,
    ];
    let mut msg = data.to_vec();
    let bitlen = (data.len() as u128) * 8;
    msg.push(0x80);
    while msg.len() % 128 != 112 {
        msg.push(0);
    }
    msg.extend_from_slice(&bitlen.to_be_bytes());
    for chunk in msg.chunks(128) {
        let mut w = [0u64; 80];
        for t in 0..16 {
            w[t] = u64::from_be_bytes(chunk[t * 8..t * 8 + 8].try_into().unwrap());
        }
        for t in 16..80 {
            let s0 = w[t - 15].rotate_right(1) ^ w[t - 15].rotate_right(8) ^ (w[t - 15] >> 7);
            let s1 = w[t - 2].rotate_right(19) ^ w[t - 2].rotate_right(61) ^ (w[t - 2] >> 6);
            w[t] = w[t - 16]
                .wrapping_add(s0)
                .wrapping_add(w[t - 7])
                .wrapping_add(s1);
        }
        let mut v = h;
        for t in 0..80 {
            let s1 = v[4].rotate_right(14) ^ v[4].rotate_right(18) ^ v[4].rotate_right(41);
            let ch = (v[4] & v[5]) ^ (!v[4] & v[6]);
            let t1 = v[7]
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[t])
                .wrapping_add(w[t]);
            let s0 = v[0].rotate_right(28) ^ v[0].rotate_right(34) ^ v[0].rotate_right(39);
            let maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
            let t2 = s0.wrapping_add(maj);
            v[7] = v[6];
            v[6] = v[5];
            v[5] = v[4];
            v[4] = v[3].wrapping_add(t1);
            v[3] = v[2];
            v[2] = v[1];
            v[1] = v[0];
            v[0] = t1.wrapping_add(t2);
        }
        for i in 0..8 {
            h[i] = h[i].wrapping_add(v[i]);
        }
    }
    let mut out = [0u8; 64];
    for i in 0..8 {
        out[i * 8..i * 8 + 8].copy_from_slice(&h[i].to_be_bytes());
    }
    out
}

fn seed_from(vm: &mut Vm, me: &Value, a: &Value) -> PyResult<()> {
    let mt = mt_of(me).ok_or_else(|| vm.type_error("descriptor requires a 'Random' object"))?;
    let n: BigInt = match a {
        Value::None => {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            BigInt::from(t ^ (std::process::id() as u128) << 64)
        }
        Value::Obj(o) if o.kind() == Kind::Str || o.kind() == Kind::Bytes => {
            let bytes: Vec<u8> = match o.kind() {
                Kind::Str => str_of(o).unwrap().as_bytes().to_vec(),
                _ => o
                    .downcast::<crate::object::bytes::Bytes>()
                    .unwrap()
                    .data
                    .clone(),
            };
            let mut all = bytes.clone();
            all.extend_from_slice(&sha512(&bytes));
            BigInt::from_bytes_be(Sign::Plus, &all)
        }
        _ => match as_int(a) {
            Some(n) => n.to_big(),
            None => match as_num(a) {
                Some(Num::Float(_)) => BigInt::from(vm.hash(a)?),
                _ => {
                    return Err(vm.type_error(
                        "The only supported seed types are: None,\nint, float, str, bytes, and bytearray.",
                    ));
                }
            },
        },
    };
    mt.borrow_mut().seed_int(&n);
    Ok(())
}

pub(crate) fn me_mt(vm: &mut Vm, args: &Args) -> PyResult<&'static RefCell<Mt>> {
    let v = args.pos.first().cloned().unwrap_or(Value::None);
    match mt_of(&v) {
        // SAFETY: the Random object is kept alive by the Args for the call.
        Some(m) => Ok(unsafe { &*(m as *const RefCell<Mt>) }),
        None => Err(vm.type_error("descriptor requires a 'Random' object")),
    }
}

fn seed(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let a = args.arg(1, "a").unwrap_or(Value::None);
    seed_from(vm, &args.pos[0], &a)?;
    Ok(Value::None)
}

fn random(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let mt = me_mt(vm, &args)?;
    let r = mt.borrow_mut().random();
    Ok(Value::Float(r))
}

fn getrandbits(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "getrandbits", 2, 2)?;
    let mt = me_mt(vm, &args)?;
    let k = vm.index_value(&args.pos[1])?;
    if k < 0 {
        return Err(vm.value_error("number of bits must be non-negative"));
    }
    if k == 0 {
        return Ok(Value::Int(0));
    }
    let r = mt.borrow_mut().getrandbits(k as u64);
    Ok(vm.new_bigint(r))
}

fn index_big(vm: &mut Vm, v: &Value) -> PyResult<BigInt> {
    match as_int(v) {
        Some(n) => Ok(n.to_big()),
        None => {
            let t = vm.type_name(v);
            Err(vm.type_error(format!("'{t}' object cannot be interpreted as an integer")))
        }
    }
}

fn randrange_impl(
    vm: &mut Vm,
    mt: &RefCell<Mt>,
    start: &Value,
    stop: Option<&Value>,
    step: Option<&Value>,
) -> PyResult<Value> {
    let istart = index_big(vm, start)?;
    let Some(stop) = stop.filter(|s| !s.is_none()) else {
        if step.is_some_and(|s| !matches!(s, Value::Int(1))) {
            return Err(vm.type_error("Missing a non-None stop argument"));
        }
        if istart.is_positive() {
            let r = mt.borrow_mut().randbelow(&istart);
            return Ok(vm.new_bigint(r));
        }
        return Err(vm.value_error("empty range for randrange()"));
    };
    let istop = index_big(vm, stop)?;
    let width = &istop - &istart;
    let istep = match step {
        Some(s) => index_big(vm, s)?,
        None => BigInt::from(1),
    };
    if istep == BigInt::from(1) {
        if width.is_positive() {
            let r = mt.borrow_mut().randbelow(&width);
            return Ok(vm.new_bigint(istart + r));
        }
        return Err(vm.value_error(format!("empty range in randrange({istart}, {istop})")));
    }
    let n: BigInt = if istep.is_positive() {
        (&width + &istep - 1) / &istep
    } else if istep.is_negative() {
        (&width + &istep + 1) / &istep
    } else {
        return Err(vm.value_error("zero step for randrange()"));
    };
    if !n.is_positive() {
        return Err(vm.value_error(format!(
            "empty range in randrange({istart}, {istop}, {istep})"
        )));
    }
    let r = mt.borrow_mut().randbelow(&n);
    Ok(vm.new_bigint(istart + istep * r))
}

fn randrange(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "randrange", 2, 4)?;
    let mt = me_mt(vm, &args)?;
    randrange_impl(vm, mt, &args.pos[1], args.pos.get(2), args.pos.get(3))
}

fn randint(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "randint", 3, 3)?;
    let mt = me_mt(vm, &args)?;
    let b = index_big(vm, &args.pos[2])?;
    let b1 = vm.new_bigint(b + 1);
    randrange_impl(vm, mt, &args.pos[1], Some(&b1), None)
}

fn choice(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "choice", 2, 2)?;
    let mt = me_mt(vm, &args)?;
    let n = vm.len(&args.pos[1])?;
    if n == 0 {
        return Err(vm.index_error("Cannot choose from an empty sequence"));
    }
    let i = mt.borrow_mut().randbelow(&BigInt::from(n));
    vm.get_item(&args.pos[1], &Value::Int(i.to_i64().unwrap_or(0)))
}

fn choices(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let mt = me_mt(vm, &args)?;
    let k = match args.take_kw("k") {
        Some(v) => vm.index_value(&v)?,
        None => 1,
    };
    let cum = args.take_kw("cum_weights");
    let weights = args.arg(2, "weights");
    let population = args.pos.get(1).cloned().ok_or_else(|| {
        vm.type_error("choices() missing 1 required positional argument: 'population'")
    })?;
    let n = vm.len(&population)?;
    let cum_weights: Vec<f64> = match (cum, weights) {
        (None, None) | (None, Some(Value::None)) => {
            let nf = n as f64;
            let mut out = Vec::new();
            for _ in 0..k.max(0) {
                let r = mt.borrow_mut().random();
                let i = (r * nf).floor() as i64;
                out.push(vm.get_item(&population, &Value::Int(i))?);
            }
            return Ok(Value::Obj(vm.new_list(out)));
        }
        (Some(c), _) => {
            let items = vm.collect_iter(&c)?;
            let mut v = Vec::new();
            for it in items {
                v.push(crate::modules::math::fl(vm, &it)?);
            }
            v
        }
        (None, Some(w)) => {
            let items = vm.collect_iter(&w)?;
            let mut acc = 0.0;
            let mut v = Vec::new();
            for it in items {
                acc += crate::modules::math::fl(vm, &it)?;
                v.push(acc);
            }
            v
        }
    };
    if cum_weights.len() != n {
        return Err(vm.value_error("The number of weights does not match the population"));
    }
    let total = *cum_weights.last().unwrap_or(&0.0);
    if total <= 0.0 {
        return Err(vm.value_error("Total of weights must be greater than zero"));
    }
    let hi = n - 1;
    let mut out = Vec::new();
    for _ in 0..k.max(0) {
        let x = mt.borrow_mut().random() * total;
        // bisect_right(cum_weights, x, 0, hi)
        let (mut lo, mut h) = (0usize, hi);
        while lo < h {
            let mid = (lo + h) / 2;
            if x < cum_weights[mid] {
                h = mid;
            } else {
                lo = mid + 1;
            }
        }
        out.push(vm.get_item(&population, &Value::Int(lo as i64))?);
    }
    Ok(Value::Obj(vm.new_list(out)))
}

fn shuffle(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "shuffle", 2, 2)?;
    let mt = me_mt(vm, &args)?;
    let x = args.pos[1].clone();
    let n = vm.len(&x)?;
    for i in (1..n).rev() {
        let j = mt
            .borrow_mut()
            .randbelow(&BigInt::from(i + 1))
            .to_i64()
            .unwrap_or(0);
        let a = vm.get_item(&x, &Value::Int(i as i64))?;
        let b = vm.get_item(&x, &Value::Int(j))?;
        vm.set_item(&x, Value::Int(i as i64), b)?;
        vm.set_item(&x, Value::Int(j), a)?;
    }
    Ok(Value::None)
}

fn sample(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let mt = me_mt(vm, &args)?;
    let population = args
        .arg(1, "population")
        .ok_or_else(|| vm.type_error("sample() missing population"))?;
    let k = match args.arg(2, "k") {
        Some(v) => vm.index_value(&v)?,
        None => return Err(vm.type_error("sample() missing 1 required positional argument: 'k'")),
    };
    if matches!(&population, Value::Obj(o) if o.kind() == Kind::Set) {
        return Err(
            vm.type_error("Population must be a sequence.  For dicts or sets, use sorted(d).")
        );
    }
    let n = vm.len(&population)? as i64;
    if k < 0 || k > n {
        return Err(vm.value_error("Sample larger than population or is negative"));
    }
    let mut setsize = 21i64;
    if k > 5 {
        let e = ((k * 3) as f64).ln() / 4f64.ln();
        setsize += 4i64.pow(e.ceil() as u32);
    }
    let mut result = Vec::with_capacity(k as usize);
    if n <= setsize {
        let mut pool = vm.collect_iter(&population)?;
        for i in 0..k {
            let j = mt
                .borrow_mut()
                .randbelow(&BigInt::from(n - i))
                .to_usize()
                .unwrap_or(0);
            result.push(pool[j].clone());
            pool[j] = pool[(n - i - 1) as usize].clone();
        }
    } else {
        let mut selected = std::collections::HashSet::new();
        for _ in 0..k {
            let mut j = mt
                .borrow_mut()
                .randbelow(&BigInt::from(n))
                .to_i64()
                .unwrap_or(0);
            while selected.contains(&j) {
                j = mt
                    .borrow_mut()
                    .randbelow(&BigInt::from(n))
                    .to_i64()
                    .unwrap_or(0);
            }
            selected.insert(j);
            result.push(vm.get_item(&population, &Value::Int(j))?);
        }
    }
    Ok(Value::Obj(vm.new_list(result)))
}

fn uniform(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "uniform", 3, 3)?;
    let mt = me_mt(vm, &args)?;
    let a = crate::modules::math::fl(vm, &args.pos[1])?;
    let b = crate::modules::math::fl(vm, &args.pos[2])?;
    let r = mt.borrow_mut().random();
    Ok(Value::Float(a + (b - a) * r))
}

fn gauss(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let mt = me_mt(vm, &args)?;
    let mu = match args.arg(1, "mu") {
        Some(v) => crate::modules::math::fl(vm, &v)?,
        None => 0.0,
    };
    let sigma = match args.arg(2, "sigma") {
        Some(v) => crate::modules::math::fl(vm, &v)?,
        None => 1.0,
    };
    let mut m = mt.borrow_mut();
    let z = match m.gauss_next.take() {
        Some(z) => z,
        None => {
            let x2pi = m.random() * std::f64::consts::TAU;
            let g2rad = (-2.0 * (1.0 - m.random()).ln()).sqrt();
            m.gauss_next = Some(x2pi.sin() * g2rad);
            x2pi.cos() * g2rad
        }
    };
    Ok(Value::Float(mu + z * sigma))
}

fn normalvariate(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let mt = me_mt(vm, &args)?;
    let mu = match args.arg(1, "mu") {
        Some(v) => crate::modules::math::fl(vm, &v)?,
        None => 0.0,
    };
    let sigma = match args.arg(2, "sigma") {
        Some(v) => crate::modules::math::fl(vm, &v)?,
        None => 1.0,
    };
    let magic = 4.0 * (-0.5f64).exp() / 2f64.sqrt();
    let mut m = mt.borrow_mut();
    let z = loop {
        let u1 = m.random();
        let u2 = 1.0 - m.random();
        let z = magic * (u1 - 0.5) / u2;
        let zz = z * z / 4.0;
        if zz <= -u2.ln() {
            break z;
        }
    };
    Ok(Value::Float(mu + z * sigma))
}

fn expovariate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "expovariate", 2, 2)?;
    let mt = me_mt(vm, &args)?;
    let l = crate::modules::math::fl(vm, &args.pos[1])?;
    let r = mt.borrow_mut().random();
    Ok(Value::Float(-(1.0 - r).ln() / l))
}

fn triangular(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let mt = me_mt(vm, &args)?;
    let mut low = match args.arg(1, "low") {
        Some(v) => crate::modules::math::fl(vm, &v)?,
        None => 0.0,
    };
    let mut high = match args.arg(2, "high") {
        Some(v) => crate::modules::math::fl(vm, &v)?,
        None => 1.0,
    };
    let mode = args.arg(3, "mode");
    let mut u = mt.borrow_mut().random();
    let mut c = match mode {
        None | Some(Value::None) => 0.5,
        Some(m) => {
            if high == low {
                return Ok(Value::Float(low));
            }
            (crate::modules::math::fl(vm, &m)? - low) / (high - low)
        }
    };
    if u > c {
        u = 1.0 - u;
        c = 1.0 - c;
        std::mem::swap(&mut low, &mut high);
    }
    Ok(Value::Float(low + (high - low) * (u * c).sqrt()))
}

fn getstate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let mt = me_mt(vm, &args)?;
    let m = mt.borrow();
    let mut items: Vec<Value> = m.state.iter().map(|x| Value::Int(*x as i64)).collect();
    items.push(Value::Int(m.index as i64));
    let t = vm.new_tuple(items);
    let g = match m.gauss_next {
        Some(g) => Value::Float(g),
        None => Value::None,
    };
    Ok(Value::Obj(vm.new_tuple(vec![
        Value::Int(3),
        Value::Obj(t),
        g,
    ])))
}

fn setstate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "setstate", 2, 2)?;
    let mt = me_mt(vm, &args)?;
    let parts = vm.collect_iter(&args.pos[1])?;
    if parts.len() != 3 {
        return Err(vm.value_error("state vector is the wrong size"));
    }
    let st = vm.collect_iter(&parts[1])?;
    if st.len() != N + 1 {
        return Err(vm.value_error("state vector is the wrong size"));
    }
    let mut m = mt.borrow_mut();
    for (i, v) in st.iter().take(N).enumerate() {
        m.state[i] = match v {
            Value::Int(x) => *x as u32,
            _ => 0,
        };
    }
    m.index = match st[N] {
        Value::Int(x) => x as usize,
        _ => N,
    };
    m.gauss_next = match parts[2] {
        Value::Float(f) => Some(f),
        _ => None,
    };
    Ok(Value::None)
}

#[cfg(test)]
mod tests {
    #[test]
    fn seed_one_matches_cpython() {
        let mut m = super::Mt::new();
        m.seed_int(&num_bigint::BigInt::from(1));
        // random.seed(1); random.random() in CPython 3.11
        assert_eq!(m.random(), 0.13436424411240122);
    }

    #[test]
    fn sha512_abc() {
        let h = super::sha512(b"abc");
        assert_eq!(h[0], 0xdd);
        assert_eq!(h[63], 0x9f);
    }
}
