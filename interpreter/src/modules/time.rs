//! The `time` module: clocks (`time`, `perf_counter`, `monotonic`,
//! `process_time` and their `_ns` forms), `sleep`, `localtime`/`gmtime`,
//! `strftime`, `ctime`.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::object::rc::ObjRef;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

const M: &str = "time";

pub fn init(vm: &mut Vm) -> PyResult<ObjRef> {
    Ok(vm.make_module("time", |vm, d| {
        let fns: &[(&'static str, crate::object::function::NativeFn)] = &[
            ("time", time),
            ("time_ns", time_ns),
            ("perf_counter", perf_counter),
            ("perf_counter_ns", perf_counter_ns),
            ("monotonic", perf_counter),
            ("monotonic_ns", perf_counter_ns),
            ("process_time", process_time),
            ("process_time_ns", process_time_ns),
            ("thread_time", process_time),
            ("sleep", sleep),
            ("localtime", localtime),
            ("gmtime", gmtime),
            ("strftime", strftime),
            ("ctime", ctime),
            ("asctime", asctime),
            ("mktime", mktime),
        ];
        for (n, f) in fns {
            vm.add_function(d, M, n, *f);
        }
        let b = local_fields(now() as i64);
        vm.set_in(d, "timezone", Value::Int(-b.gmtoff));
        vm.set_in(d, "daylight", Value::Int(b.f[8].max(0)));
        let tz = vm.str_val(&b.zone);
        let tn = vm.new_tuple(vec![tz.clone(), tz]);
        vm.set_in(d, "tzname", Value::Obj(tn));
        if let Ok(t) = super::structseq::struct_seq_type(vm, &STRUCT_TIME) {
            vm.set_in(d, "struct_time", Value::Obj(t));
        }
    }))
}

thread_local! {
    static START: Instant = Instant::now();
}

/// Seconds since an arbitrary point (monotonic, high resolution).
pub fn monotonic_secs() -> f64 {
    START.with(|s| s.elapsed().as_secs_f64())
}

pub fn monotonic_ns() -> u128 {
    START.with(|s| s.elapsed().as_nanos())
}

/// CPU time of the process in seconds.
pub fn cpu_time() -> f64 {
    // SAFETY: clock_gettime with a valid clock id and out-pointer.
    unsafe {
        let mut ts = libc_timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        if clock_gettime(2, &mut ts) == 0 {
            return ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9;
        }
    }
    monotonic_secs()
}

#[repr(C)]
struct libc_timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

extern "C" {
    fn clock_gettime(clk: i32, ts: *mut libc_timespec) -> i32;
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn time(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Float(now()))
}

fn time_ns(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    let n = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    Ok(vm.new_bigint(num_bigint::BigInt::from(n)))
}

fn perf_counter(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Float(monotonic_secs()))
}

fn perf_counter_ns(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(vm.new_bigint(num_bigint::BigInt::from(monotonic_ns())))
}

fn process_time(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Float(cpu_time()))
}

fn process_time_ns(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(vm.new_bigint(num_bigint::BigInt::from((cpu_time() * 1e9) as i64)))
}

fn sleep(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "sleep", 1, 1)?;
    let secs = match &args.pos[0] {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => *b as i64 as f64,
        other => {
            let t = vm.type_name(other);
            return Err(vm.type_error(format!("'{t}' object cannot be interpreted as an integer")));
        }
    };
    if secs.is_nan() {
        return Err(vm.value_error("Invalid value NaN (not a number)"));
    }
    if secs < 0.0 {
        return Err(vm.value_error("sleep length must be non-negative"));
    }
    // Sleep in slices so Ctrl-C interrupts promptly.
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    loop {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        let step = (deadline - now).min(Duration::from_millis(50));
        std::thread::sleep(step);
        if super::signal::signal_pending() {
            // Handlers run now; sleep resumes unless one raised (PEP 475).
            vm.run_pending_signals()?;
        }
    }
    Ok(Value::None)
}

/// Broken-down UTC time (no time-zone database: mini reports UTC).
static STRUCT_TIME: super::structseq::Spec = super::structseq::Spec {
    qualname: "time.struct_time",
    fields: &[
        "tm_year",
        "tm_mon",
        "tm_mday",
        "tm_hour",
        "tm_min",
        "tm_sec",
        "tm_wday",
        "tm_yday",
        "tm_isdst",
        "tm_zone",
        "tm_gmtoff",
    ],
    visible: 9,
};

/// Broken-down time: the 9 tuple fields, the zone name and UTC offset.
struct Broken {
    f: [i64; 9],
    zone: String,
    gmtoff: i64,
}

fn utc_fields(secs: i64) -> Broken {
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    let (h, mi, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    let (y, mo, d) = civil_from_days(days);
    let wday = (days + 3).rem_euclid(7);
    let yday = days - days_from_civil(y, 1, 1) + 1;
    Broken {
        f: [y, mo, d, h, mi, s, wday, yday, 0],
        zone: "UTC".into(),
        gmtoff: 0,
    }
}

/// C's `struct tm` (glibc layout).
#[repr(C)]
struct CTm {
    sec: i32,
    min: i32,
    hour: i32,
    mday: i32,
    mon: i32,
    year: i32,
    wday: i32,
    yday: i32,
    isdst: i32,
    gmtoff: i64,
    zone: *const std::ffi::c_char,
}

extern "C" {
    fn localtime_r(t: *const i64, out: *mut CTm) -> *mut CTm;
    #[link_name = "mktime"]
    fn c_mktime(tm: *mut CTm) -> i64;
}

fn empty_ctm() -> CTm {
    CTm {
        sec: 0,
        min: 0,
        hour: 0,
        mday: 0,
        mon: 0,
        year: 0,
        wday: 0,
        yday: 0,
        isdst: 0,
        gmtoff: 0,
        zone: std::ptr::null(),
    }
}

/// Local time through the C library, which knows the time zone rules.
fn local_fields(secs: i64) -> Broken {
    let mut out = empty_ctm();
    // SAFETY: both pointers are valid for the call; localtime_r writes only `out`.
    let r = unsafe { localtime_r(&secs, &mut out) };
    if r.is_null() {
        return utc_fields(secs);
    }
    let zone = if out.zone.is_null() {
        String::new()
    } else {
        // SAFETY: tm_zone points at a NUL-terminated static string owned by libc.
        unsafe { std::ffi::CStr::from_ptr(out.zone) }
            .to_string_lossy()
            .into_owned()
    };
    Broken {
        f: [
            out.year as i64 + 1900,
            out.mon as i64 + 1,
            out.mday as i64,
            out.hour as i64,
            out.min as i64,
            out.sec as i64,
            (out.wday as i64 + 6) % 7,
            out.yday as i64 + 1,
            out.isdst as i64,
        ],
        zone,
        gmtoff: out.gmtoff,
    }
}

fn struct_time(vm: &mut Vm, b: Broken) -> PyResult<Value> {
    let mut items: Vec<Value> = b.f.iter().map(|x| Value::Int(*x)).collect();
    items.push(vm.str_val(&b.zone));
    items.push(Value::Int(b.gmtoff));
    super::structseq::new_struct_seq(vm, &STRUCT_TIME, items)
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn secs_arg(vm: &mut Vm, args: &Args) -> PyResult<i64> {
    match args.pos.first() {
        None | Some(Value::None) => Ok(now() as i64),
        Some(Value::Float(f)) => Ok(f.floor() as i64),
        Some(v) => vm.index_value(&v.clone()),
    }
}

fn localtime(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = secs_arg(vm, &args)?;
    struct_time(vm, local_fields(s))
}

fn gmtime(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = secs_arg(vm, &args)?;
    struct_time(vm, utc_fields(s))
}

fn mktime(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "mktime", 1, 1)?;
    let f = fields(vm, args.pos.first())?;
    let mut t = CTm {
        sec: f[5] as i32,
        min: f[4] as i32,
        hour: f[3] as i32,
        mday: f[2] as i32,
        mon: f[1] as i32 - 1,
        year: f[0] as i32 - 1900,
        wday: 0,
        yday: 0,
        isdst: f[8] as i32,
        ..empty_ctm()
    };
    // SAFETY: `t` is a valid, initialised struct tm for the call.
    let r = unsafe { c_mktime(&mut t) };
    if r == -1 && t.yday == 0 && t.wday == 0 {
        return Err(vm.overflow_error("mktime argument out of range"));
    }
    Ok(Value::Float(r as f64))
}
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn fields(vm: &mut Vm, v: Option<&Value>) -> PyResult<[i64; 9]> {
    let t = match v {
        Some(v) => vm.collect_iter(v)?,
        None => return Ok(local_fields(now() as i64).f),
    };
    let mut out = [0i64; 9];
    for (i, x) in t.iter().take(9).enumerate() {
        out[i] = vm.index_value(x)?;
    }
    Ok(out)
}

fn strftime_fmt(fmt: &str, f: &[i64; 9]) -> String {
    let mut out = String::new();
    let mut it = fmt.chars();
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(d) = it.next() else {
            out.push('%');
            break;
        };
        let wd = f[6].rem_euclid(7) as usize;
        let mo = (f[1] - 1).clamp(0, 11) as usize;
        match d {
            'Y' => out.push_str(&f[0].to_string()),
            'y' => out.push_str(&format!("{:02}", f[0] % 100)),
            'm' => out.push_str(&format!("{:02}", f[1])),
            'd' => out.push_str(&format!("{:02}", f[2])),
            'e' => out.push_str(&format!("{:2}", f[2])),
            'H' => out.push_str(&format!("{:02}", f[3])),
            'I' => out.push_str(&format!(
                "{:02}",
                if f[3] % 12 == 0 { 12 } else { f[3] % 12 }
            )),
            'M' => out.push_str(&format!("{:02}", f[4])),
            'S' => out.push_str(&format!("{:02}", f[5])),
            'p' => out.push_str(if f[3] < 12 { "AM" } else { "PM" }),
            'a' => out.push_str(&DAYS[wd][..3]),
            'A' => out.push_str(DAYS[wd]),
            'b' | 'h' => out.push_str(&MONTHS[mo][..3]),
            'B' => out.push_str(MONTHS[mo]),
            'j' => out.push_str(&format!("{:03}", f[7])),
            'w' => out.push_str(&((wd + 1) % 7).to_string()),
            'Z' => out.push_str("UTC"),
            'z' => out.push_str("+0000"),
            'c' => out.push_str(&strftime_fmt("%a %b %e %H:%M:%S %Y", f)),
            'x' => out.push_str(&strftime_fmt("%m/%d/%y", f)),
            'X' => out.push_str(&strftime_fmt("%H:%M:%S", f)),
            '%' => out.push('%'),
            other => {
                out.push('%');
                out.push(other);
            }
        }
    }
    out
}

fn strftime(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "strftime", 1, 2)?;
    let fmt = super::types::str::arg_str(vm, &args.pos[0], "strftime() argument 1")?;
    let f = fields(vm, args.pos.get(1))?;
    Ok(vm.str_val(&strftime_fmt(&fmt, &f)))
}

fn ctime(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = secs_arg(vm, &args)?;
    let f = local_fields(s).f;
    Ok(vm.str_val(&strftime_fmt("%a %b %e %H:%M:%S %Y", &f)))
}

fn asctime(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = fields(vm, args.pos.first())?;
    Ok(vm.str_val(&strftime_fmt("%a %b %e %H:%M:%S %Y", &f)))
}
