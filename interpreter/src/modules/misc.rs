//! Small native modules: `platform` and `errno`.

use crate::object::rc::ObjRef;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

pub fn init_platform(vm: &mut Vm) -> PyResult<ObjRef> {
    Ok(vm.make_module("platform", |vm, d| {
        vm.add_function(d, "platform", "python_version", python_version);
        vm.add_function(
            d,
            "platform",
            "python_implementation",
            python_implementation,
        );
        vm.add_function(d, "platform", "system", system);
        vm.add_function(d, "platform", "machine", machine);
        vm.add_function(d, "platform", "platform", platform);
    }))
}

fn python_version(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(vm.str_val(super::sys::MINI_VERSION))
}

fn python_implementation(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(vm.str_val("mini"))
}

fn system(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    let s = match std::env::consts::OS {
        "linux" => "Linux",
        "macos" => "Darwin",
        "windows" => "Windows",
        other => other,
    };
    Ok(vm.str_val(s))
}

fn machine(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(vm.str_val(std::env::consts::ARCH))
}

fn platform(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(vm.str_val(&format!(
        "{}-{}-mini",
        std::env::consts::OS,
        std::env::consts::ARCH
    )))
}

pub fn init_errno(vm: &mut Vm) -> PyResult<ObjRef> {
    Ok(vm.make_module("errno", |vm, d| {
        for (n, v) in [
            ("EPERM", 1),
            ("ENOENT", 2),
            ("EINTR", 4),
            ("EIO", 5),
            ("EBADF", 9),
            ("EAGAIN", 11),
            ("EACCES", 13),
            ("EEXIST", 17),
            ("ENOTDIR", 20),
            ("EISDIR", 21),
            ("EINVAL", 22),
            ("EPIPE", 32),
        ] {
            vm.set_in(d, n, Value::Int(v));
        }
    }))
}
