//! Variable access other than plain locals: globals (with a cache of where
//! the name sits in the globals or builtins dict), names in module/class/exec
//! scopes, and closure cells. Error messages are CPython 3.11's.
//! Invariant: a global site cache is valid while both dicts keep the keys
//! version it recorded (values may change; positions may not).

use crate::compile::code::{Code, SiteCache};
use crate::object::dict::Dict;
use crate::object::function::CellObj;
use crate::object::rc::ObjRef;
use crate::object::str::{str_of, Str};
use crate::object::value::Value;
use crate::vm::{PyErr, PyResult, Vm};

impl Vm {
    pub(crate) fn load_global(&mut self, fi: usize, code: &Code, site: u16) -> PyResult<Value> {
        let s = &code.sites[site as usize];
        let f = &self.frames[fi];
        // SAFETY: a frame's globals and builtins are always dict objects.
        let g = unsafe { f.globals.payload_unchecked::<Dict>() };
        if let SiteCache::Global {
            globals,
            gver,
            builtins,
            bver,
            in_builtins,
            index,
        } = *s.cache.borrow()
        {
            if globals == f.globals.addr() {
                let gt = g.table.borrow();
                if gt.keys_version() == gver {
                    if !in_builtins {
                        if let Some(e) = gt.entry(index as usize) {
                            return Ok(e.value.clone());
                        }
                    } else if builtins == f.builtins.addr() {
                        let b = unsafe { f.builtins.payload_unchecked::<Dict>() };
                        let bt = b.table.borrow();
                        if bt.keys_version() == bver {
                            if let Some(e) = bt.entry(index as usize) {
                                return Ok(e.value.clone());
                            }
                        }
                    }
                }
            }
        }
        let name = s.name.clone();
        let sv = name.downcast::<Str>().unwrap();
        let (globals, builtins) = (f.globals.clone(), f.builtins.clone());
        let gd = globals.downcast::<Dict>().unwrap();
        let gt = gd.table.borrow();
        if let Some(ix) = gt.find_str(&name, sv.as_str(), sv.hash()) {
            let v = gt.entry(ix).unwrap().value.clone();
            *s.cache.borrow_mut() = SiteCache::Global {
                globals: globals.addr(),
                gver: gt.keys_version(),
                builtins: builtins.addr(),
                bver: 0,
                in_builtins: false,
                index: ix as u32,
            };
            return Ok(v);
        }
        let gver = gt.keys_version();
        drop(gt);
        if let Some(bd) = builtins.downcast::<Dict>() {
            let bt = bd.table.borrow();
            if let Some(ix) = bt.find_str(&name, sv.as_str(), sv.hash()) {
                let v = bt.entry(ix).unwrap().value.clone();
                *s.cache.borrow_mut() = SiteCache::Global {
                    globals: globals.addr(),
                    gver,
                    builtins: builtins.addr(),
                    bver: bt.keys_version(),
                    in_builtins: true,
                    index: ix as u32,
                };
                return Ok(v);
            }
        }
        Err(self.name_not_defined(&name))
    }

    pub(crate) fn name_not_defined(&mut self, name: &ObjRef) -> PyErr {
        let n = str_of(name).unwrap_or("?").to_string();
        let e = self.name_error(format!("name '{n}' is not defined"));
        self.set_exc_attr(&e, "name", Value::Obj(name.clone()));
        e
    }

    pub(crate) fn store_global(&mut self, fi: usize, code: &Code, name: u16, v: Value) {
        let n = &code.names[name as usize];
        let g = self.frames[fi].globals.clone();
        g.downcast::<Dict>().unwrap().set_str(n, v);
    }

    pub(crate) fn delete_global(&mut self, fi: usize, code: &Code, name: u16) -> PyResult<()> {
        let n = code.names[name as usize].clone();
        let g = self.frames[fi].globals.clone();
        match g.downcast::<Dict>().unwrap().del_str(&n) {
            Some(_) => Ok(()),
            None => Err(self.name_not_defined(&n)),
        }
    }

    pub(crate) fn load_name(&mut self, fi: usize, code: &Code, name: u16) -> PyResult<Value> {
        let n = &code.names[name as usize];
        let f = &self.frames[fi];
        if let Some(l) = &f.locals {
            if let Some(d) = l.downcast::<Dict>() {
                if let Some(v) = d.get_str(n) {
                    return Ok(v);
                }
            } else {
                let l = l.clone();
                let key = Value::Obj(n.clone());
                match self.get_item(&Value::Obj(l), &key) {
                    Ok(v) => return Ok(v),
                    Err(e) if self.err_is(&e, &self.types.exc.key_error.clone()) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        let f = &self.frames[fi];
        if let Some(v) = f.globals.downcast::<Dict>().unwrap().get_str(n) {
            return Ok(v);
        }
        if let Some(v) = f.builtins.downcast::<Dict>().and_then(|b| b.get_str(n)) {
            return Ok(v);
        }
        let n = n.clone();
        Err(self.name_not_defined(&n))
    }

    pub(crate) fn store_name(
        &mut self,
        fi: usize,
        code: &Code,
        name: u16,
        v: Value,
    ) -> PyResult<()> {
        let n = code.names[name as usize].clone();
        let target = self.frames[fi]
            .locals
            .clone()
            .unwrap_or_else(|| self.frames[fi].globals.clone());
        match target.downcast::<Dict>() {
            Some(d) if !target.owns_cls() => {
                d.set_str(&n, v);
                Ok(())
            }
            _ => self.set_item(&Value::Obj(target), Value::Obj(n), v),
        }
    }

    pub(crate) fn delete_name(&mut self, fi: usize, code: &Code, name: u16) -> PyResult<()> {
        let n = code.names[name as usize].clone();
        let target = self.frames[fi]
            .locals
            .clone()
            .unwrap_or_else(|| self.frames[fi].globals.clone());
        match target.downcast::<Dict>().and_then(|d| d.del_str(&n)) {
            Some(_) => Ok(()),
            None => Err(self.name_not_defined(&n)),
        }
    }

    /// UnboundLocalError for local register `reg`.
    pub(crate) fn unbound_local(&mut self, code: &Code, reg: u16) -> PyErr {
        let n = code
            .varnames
            .get(reg as usize)
            .and_then(|o| str_of(o).map(|s| s.to_string()))
            .unwrap_or_else(|| "?".to_string());
        let c = self.types.exc.unbound_local_error.clone();
        let e = self.new_error(
            &c,
            format!("cannot access local variable '{n}' where it is not associated with a value"),
        );
        let name = self.new_str(&n);
        self.set_exc_attr(&e, "name", Value::Obj(name));
        e
    }

    fn cell_name(&self, code: &Code, reg: u16) -> (String, bool) {
        if let Some(i) = code.cell_regs.iter().position(|r| *r == reg) {
            return (str_of(&code.cellvars[i]).unwrap_or("?").to_string(), false);
        }
        let i = (reg as u32).saturating_sub(code.free_base) as usize;
        (
            code.freevars
                .get(i)
                .and_then(|o| str_of(o))
                .unwrap_or("?")
                .to_string(),
            true,
        )
    }

    fn empty_cell_error(&mut self, code: &Code, reg: u16) -> PyErr {
        let (n, free) = self.cell_name(code, reg);
        if free {
            self.name_error(format!(
                "cannot access free variable '{n}' where it is not associated with a value in enclosing scope"
            ))
        } else {
            let c = self.types.exc.unbound_local_error.clone();
            self.new_error(
                &c,
                format!(
                    "cannot access local variable '{n}' where it is not associated with a value"
                ),
            )
        }
    }

    pub(crate) fn load_deref(&mut self, code: &Code, cell: &Value, reg: u16) -> PyResult<Value> {
        if let Value::Obj(c) = cell {
            if let Some(c) = c.downcast::<CellObj>() {
                let v = c.value.borrow().clone();
                if !v.is_undef() {
                    return Ok(v);
                }
            }
        }
        Err(self.empty_cell_error(code, reg))
    }

    pub(crate) fn store_deref(&mut self, cell: &Value, v: Value) {
        if let Value::Obj(c) = cell {
            if let Some(c) = c.downcast::<CellObj>() {
                let old = c.value.replace(v);
                drop(old);
            }
        }
    }

    pub(crate) fn delete_deref(&mut self, code: &Code, cell: &Value, reg: u16) -> PyResult<()> {
        if let Value::Obj(c) = cell {
            if let Some(c) = c.downcast::<CellObj>() {
                let old = c.value.replace(Value::Undef);
                if old.is_undef() {
                    return Err(self.empty_cell_error(code, reg));
                }
                drop(old);
                return Ok(());
            }
        }
        Err(self.empty_cell_error(code, reg))
    }

    /// A free variable read in a class body: the class namespace first.
    pub(crate) fn load_class_deref(
        &mut self,
        fi: usize,
        code: &Code,
        cell: &Value,
        reg: u16,
        name: u16,
    ) -> PyResult<Value> {
        let n = &code.names[name as usize];
        if let Some(l) = &self.frames[fi].locals {
            if let Some(v) = l.downcast::<Dict>().and_then(|d| d.get_str(n)) {
                return Ok(v);
            }
        }
        self.load_deref(code, cell, reg)
    }
}
