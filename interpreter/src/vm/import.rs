//! The import system: `sys.modules` caching, native modules from the
//! registry, `NAME.mini` / `NAME.py` files and packages (folders with
//! `__init__.mini`) on `sys.path` (the script's folder first, then `MINIPATH`
//! and the current folder), then the embedded standard library; relative
//! imports, `from x import *`, and CPython's ImportError texts.
//! Invariant: a module is in `sys.modules` before its body runs (circular
//! imports see the partly initialised module) and removed if the body fails.

use std::path::{Path, PathBuf};

use crate::object::dict::Dict;
use crate::object::kind::Kind;
use crate::object::list::List;
use crate::object::module::Module;
use crate::object::rc::ObjRef;
use crate::object::str::str_of;
use crate::object::tuple::Tuple;
use crate::object::value::Value;
use crate::vm::{PyResult, Vm};

/// Where a module's code comes from.
enum Found {
    Native(crate::modules::ModuleInit),
    File {
        path: PathBuf,
        is_package: bool,
    },
    Embedded {
        source: &'static str,
        is_package: bool,
    },
}

impl Vm {
    /// The `ImportName` instruction.
    pub(crate) fn import_name_instr(
        &mut self,
        fi: usize,
        code: &crate::compile::code::Code,
        name: u16,
        spec: &Value,
    ) -> PyResult<Value> {
        let name = str_of(&code.names[name as usize]).unwrap_or("").to_string();
        let (fromlist, level) = match spec {
            Value::Obj(t) => {
                let items = t
                    .downcast::<Tuple>()
                    .map(|t| t.as_slice().to_vec())
                    .unwrap_or_default();
                let fl = items.first().cloned().unwrap_or(Value::None);
                let lv = match items.get(1) {
                    Some(Value::Int(i)) => *i as usize,
                    _ => 0,
                };
                (fl, lv)
            }
            _ => (Value::None, 0),
        };
        let globals = self.frames[fi].globals.clone();
        self.import_full(&name, &globals, &fromlist, level)
    }

    /// `__import__(name, globals, locals, fromlist, level)`.
    pub fn import_full(
        &mut self,
        name: &str,
        globals: &ObjRef,
        fromlist: &Value,
        level: usize,
    ) -> PyResult<Value> {
        let fullname = if level > 0 {
            self.resolve_relative(name, globals, level)?
        } else {
            if name.is_empty() {
                return Err(self.value_error("Empty module name"));
            }
            name.to_string()
        };
        let module = self.import_module(&fullname)?;
        let fl: Vec<String> = match fromlist {
            Value::Obj(t) if t.kind() == Kind::Tuple => t
                .downcast::<Tuple>()
                .unwrap()
                .as_slice()
                .iter()
                .filter_map(|v| v.as_obj().and_then(|s| str_of(s).map(|x| x.to_string())))
                .collect(),
            _ => Vec::new(),
        };
        if fl.is_empty() {
            if level == 0 {
                let top = fullname.split('.').next().unwrap_or("");
                return Ok(Value::Obj(self.import_module(top)?));
            }
            return Ok(Value::Obj(module));
        }
        // `from pkg import sub`: import submodules named in the fromlist.
        if self.module_is_package(&module) {
            for item in &fl {
                if item == "*" {
                    continue;
                }
                let n = self.intern(item);
                if self
                    .attr_or_none(&Value::Obj(module.clone()), &n)?
                    .is_none()
                {
                    let sub = format!("{fullname}.{item}");
                    match self.import_module(&sub) {
                        Ok(_) => {}
                        Err(e)
                            if self.err_is(&e, &self.types.exc.module_not_found_error.clone()) => {}
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        Ok(Value::Obj(module))
    }

    fn module_is_package(&self, m: &ObjRef) -> bool {
        m.downcast::<Module>()
            .and_then(|md| {
                md.dict
                    .downcast::<Dict>()
                    .and_then(|d| d.get_str(&self.names.path))
            })
            .is_some()
    }

    fn resolve_relative(&mut self, name: &str, globals: &ObjRef, level: usize) -> PyResult<String> {
        let g = globals.downcast::<Dict>().unwrap();
        let package = match g.get_str(&self.names.package) {
            Some(Value::Obj(s)) if str_of(&s).is_some() => str_of(&s).unwrap().to_string(),
            _ => {
                let modname = g
                    .get_str(&self.names.name)
                    .and_then(|v| v.as_obj().and_then(|s| str_of(s).map(|x| x.to_string())))
                    .unwrap_or_default();
                if g.get_str(&self.names.path).is_some() {
                    modname
                } else {
                    modname
                        .rsplit_once('.')
                        .map(|(a, _)| a.to_string())
                        .unwrap_or_default()
                }
            }
        };
        if package.is_empty() {
            return Err(self.import_error("attempted relative import with no known parent package"));
        }
        let parts: Vec<&str> = package.split('.').collect();
        if level > parts.len() {
            return Err(self.import_error("attempted relative import beyond top-level package"));
        }
        let base = parts[..parts.len() - (level - 1)].join(".");
        Ok(if name.is_empty() {
            base
        } else {
            format!("{base}.{name}")
        })
    }

    /// Imports (or fetches from `sys.modules`) the module `fullname`.
    pub fn import_module(&mut self, fullname: &str) -> PyResult<ObjRef> {
        let key = self.intern(fullname);
        if let Some(Value::Obj(m)) = self.sys_modules.downcast::<Dict>().unwrap().get_str(&key) {
            return Ok(m);
        }
        let (parent, short) = match fullname.rsplit_once('.') {
            Some((p, s)) => (Some(p.to_string()), s.to_string()),
            None => (None, fullname.to_string()),
        };
        let search: Vec<PathBuf> = match &parent {
            Some(p) => {
                let pm = self.import_module(p)?;
                // The parent import may have imported us.
                if let Some(Value::Obj(m)) =
                    self.sys_modules.downcast::<Dict>().unwrap().get_str(&key)
                {
                    return Ok(m);
                }
                match pm.downcast::<Module>().and_then(|m| {
                    m.dict
                        .downcast::<Dict>()
                        .and_then(|d| d.get_str(&self.names.path))
                }) {
                    Some(pv) => self
                        .collect_iter(&pv)?
                        .into_iter()
                        .filter_map(|v| v.as_obj().and_then(|s| str_of(s).map(PathBuf::from)))
                        .collect(),
                    None => {
                        let c = self.types.exc.module_not_found_error.clone();
                        let e = self.new_error(
                            &c,
                            format!("No module named '{fullname}'; '{p}' is not a package"),
                        );
                        let n = self.new_str(fullname);
                        self.set_exc_attr(&e, "name", Value::Obj(n));
                        return Err(e);
                    }
                }
            }
            None => self.sys_path(),
        };
        let found = self.find_module(fullname, &short, parent.is_none(), &search);
        let Some(found) = found else {
            let c = self.types.exc.module_not_found_error.clone();
            let e = self.new_error(&c, format!("No module named '{fullname}'"));
            let n = self.new_str(fullname);
            self.set_exc_attr(&e, "name", Value::Obj(n));
            return Err(e);
        };
        let module = self.load_found(fullname, found)?;
        if let Some(p) = parent {
            let pk = self.intern(&p);
            if let Some(Value::Obj(pm)) = self.sys_modules.downcast::<Dict>().unwrap().get_str(&pk)
            {
                let n = self.intern(&short);
                let _ = self.set_attr(&Value::Obj(pm), &n, Value::Obj(module.clone()));
            }
        }
        Ok(module)
    }

    /// Finds the code `-m NAME` runs: a module's source, or a package's
    /// `__main__` submodule. Returns (source, filename, is_file). Parent
    /// packages are imported, as `runpy` does.
    pub fn find_main_source(&mut self, fullname: &str) -> PyResult<(String, String, bool)> {
        let (parent, short) = match fullname.rsplit_once('.') {
            Some((p, s)) => (Some(p.to_string()), s.to_string()),
            None => (None, fullname.to_string()),
        };
        let search: Vec<PathBuf> = match &parent {
            Some(p) => {
                let pm = self.import_module(p)?;
                match pm.downcast::<Module>().and_then(|m| {
                    m.dict
                        .downcast::<Dict>()
                        .and_then(|d| d.get_str(&self.names.path))
                }) {
                    Some(pv) => self
                        .collect_iter(&pv)?
                        .into_iter()
                        .filter_map(|v| v.as_obj().and_then(|s| str_of(s).map(PathBuf::from)))
                        .collect(),
                    None => Vec::new(),
                }
            }
            None => self.sys_path(),
        };
        let no_module = |vm: &mut Vm| {
            let c = vm.types.exc.import_error.clone();
            vm.new_error(&c, format!("No module named {fullname}"))
        };
        match self.find_module(fullname, &short, parent.is_none(), &search) {
            None => Err(no_module(self)),
            Some(Found::Native(_)) => {
                let c = self.types.exc.import_error.clone();
                Err(self.new_error(&c, format!("No code object available for {fullname}")))
            }
            Some(Found::File { path, is_package }) => {
                if is_package {
                    self.import_module(fullname)?;
                    return self.find_main_source(&format!("{fullname}.__main__"));
                }
                let bytes = std::fs::read(&path).map_err(|e| self.os_error(e.to_string()))?;
                let fname = path.to_string_lossy().to_string();
                match mini_syntax::decode_source(&bytes, &fname) {
                    Ok(s) => Ok((s, fname, true)),
                    Err(e) => Err(self.syntax_error_from(&e)),
                }
            }
            Some(Found::Embedded { source, is_package }) => {
                if is_package {
                    self.import_module(fullname)?;
                    return self.find_main_source(&format!("{fullname}.__main__"));
                }
                Ok((source.to_string(), format!("<frozen {fullname}>"), false))
            }
        }
    }

    /// An attribute, or None when getting it raises AttributeError (a
    /// module `__getattr__` that refuses the name).
    fn attr_or_none(&mut self, obj: &Value, name: &ObjRef) -> PyResult<Option<Value>> {
        match self.get_attr_opt(obj, name) {
            Ok(v) => Ok(v),
            Err(e) if self.err_is(&e, &self.types.exc.attribute_error.clone()) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Directories searched for top-level modules (`sys.path`).
    fn sys_path(&mut self) -> Vec<PathBuf> {
        let sys = match &self.sys_module {
            Some(s) => s.clone(),
            None => return vec![PathBuf::from(".")],
        };
        let p = sys.downcast::<Module>().and_then(|m| {
            m.dict
                .downcast::<Dict>()
                .and_then(|d| d.get_str(&self.names.path.clone()))
        });
        let n = self.intern("path");
        let p = p.or_else(|| {
            sys.downcast::<Module>()
                .and_then(|m| m.dict.downcast::<Dict>().and_then(|d| d.get_str(&n)))
        });
        match p {
            Some(Value::Obj(l)) if l.kind() == Kind::List => l
                .downcast::<List>()
                .unwrap()
                .snapshot()
                .into_iter()
                .filter_map(|v| {
                    v.as_obj().and_then(|s| {
                        str_of(s).map(|x| PathBuf::from(if x.is_empty() { "." } else { x }))
                    })
                })
                .collect(),
            _ => vec![PathBuf::from(".")],
        }
    }

    fn find_module(
        &self,
        fullname: &str,
        short: &str,
        top: bool,
        search: &[PathBuf],
    ) -> Option<Found> {
        if top {
            if let Some(init) = self.registry.native.get(fullname) {
                return Some(Found::Native(*init));
            }
        }
        for dir in search {
            for ext in ["mini", "py"] {
                let pkg_init = dir.join(short).join(format!("__init__.{ext}"));
                if pkg_init.is_file() {
                    return Some(Found::File {
                        path: pkg_init,
                        is_package: true,
                    });
                }
                let f = dir.join(format!("{short}.{ext}"));
                if f.is_file() {
                    return Some(Found::File {
                        path: f,
                        is_package: false,
                    });
                }
            }
        }
        if !top {
            if let Some(init) = self.registry.native.get(fullname) {
                return Some(Found::Native(*init));
            }
        }
        if let Some(src) = self.registry.sources.get(fullname) {
            return Some(Found::Embedded {
                source: src,
                is_package: false,
            });
        }
        let pkg = format!("{fullname}.__init__");
        if let Some(src) = self.registry.sources.get(&pkg) {
            return Some(Found::Embedded {
                source: src,
                is_package: true,
            });
        }
        None
    }

    fn load_found(&mut self, fullname: &str, found: Found) -> PyResult<ObjRef> {
        match found {
            Found::Native(init) => {
                let m = init(self)?;
                let key = self.intern(fullname);
                self.sys_modules
                    .downcast::<Dict>()
                    .unwrap()
                    .set_str(&key, Value::Obj(m.clone()));
                Ok(m)
            }
            Found::File { path, is_package } => {
                let bytes = std::fs::read(&path).map_err(|e| self.os_error(e.to_string()))?;
                let fname = path.to_string_lossy().to_string();
                let src = match mini_syntax::decode_source(&bytes, &fname) {
                    Ok(s) => s,
                    Err(e) => return Err(self.syntax_error_from(&e)),
                };
                let pkg_dir = if is_package {
                    path.parent().map(|p| p.to_path_buf())
                } else {
                    None
                };
                self.exec_module_source(fullname, &src, &fname, Some(&fname), pkg_dir.as_deref())
            }
            Found::Embedded { source, is_package } => {
                let fname = format!("<frozen {fullname}>");
                let pkg_dir = if is_package {
                    Some(Path::new("<frozen>"))
                } else {
                    None
                };
                let frozen = self.exec_module_source(fullname, source, &fname, None, pkg_dir)?;
                if let Some(md) = frozen.downcast::<Module>() {
                    md.origin.set(crate::object::module::Origin::Frozen);
                }
                Ok(frozen)
            }
        }
    }

    /// Creates module `name`, registers it, and runs `src` in it.
    pub fn exec_module_source(
        &mut self,
        name: &str,
        src: &str,
        filename: &str,
        file_attr: Option<&str>,
        package_dir: Option<&Path>,
    ) -> PyResult<ObjRef> {
        let m = self.new_module(name);
        let d = m.downcast::<Module>().unwrap().dict.clone();
        let dd = d.downcast::<Dict>().unwrap();
        if let Some(f) = file_attr {
            let fv = self.str_val(f);
            dd.set_str(&self.names.file.clone(), fv);
        }
        let package = match package_dir {
            Some(dir) => {
                let p = self.str_val(&dir.to_string_lossy());
                let l = self.new_list(vec![p]);
                dd.set_str(&self.names.path.clone(), Value::Obj(l));
                name.to_string()
            }
            None => name
                .rsplit_once('.')
                .map(|(a, _)| a.to_string())
                .unwrap_or_default(),
        };
        let pv = self.str_val(&package);
        dd.set_str(&self.names.package.clone(), pv);
        dd.set_str(&self.names.spec.clone(), Value::None);
        dd.set_str(&self.names.loader.clone(), Value::None);
        dd.set_str(
            &self.names.builtins.clone(),
            Value::Obj(self.builtins_module.clone()),
        );
        let key = self.intern(name);
        self.sys_modules
            .downcast::<Dict>()
            .unwrap()
            .set_str(&key, Value::Obj(m.clone()));
        self.remember_source(filename, src);
        let r = self
            .compile_source(src, filename, crate::compile::Mode::Exec)
            .and_then(|code| self.run_code(&code, &d, None));
        if let Err(e) = r {
            self.sys_modules.downcast::<Dict>().unwrap().del_str(&key);
            return Err(e);
        }
        // The module object in sys.modules may have been replaced.
        match self.sys_modules.downcast::<Dict>().unwrap().get_str(&key) {
            Some(Value::Obj(o)) => Ok(o),
            _ => Ok(m),
        }
    }

    /// The `ImportFrom` instruction.
    pub(crate) fn import_from(&mut self, module: &Value, name: &ObjRef) -> PyResult<Value> {
        if let Some(v) = self.attr_or_none(module, name)? {
            return Ok(v);
        }
        let (modname, file) = match module {
            Value::Obj(m) if m.kind() == Kind::Module => {
                let d = m.downcast::<Module>().unwrap().dict.clone();
                let dd = d.downcast::<Dict>().unwrap();
                let n = dd
                    .get_str(&self.names.name)
                    .and_then(|v| v.as_obj().and_then(|s| str_of(s).map(|x| x.to_string())));
                let f = dd
                    .get_str(&self.names.file)
                    .and_then(|v| v.as_obj().and_then(|s| str_of(s).map(|x| x.to_string())));
                (n, f)
            }
            _ => (None, None),
        };
        let nm = str_of(name).unwrap_or("?").to_string();
        if let Some(mn) = &modname {
            let sub = format!("{mn}.{nm}");
            if let Ok(v) = self.import_module(&sub) {
                return Ok(Value::Obj(v));
            }
        }
        let mn = modname.unwrap_or_else(|| "?".into());
        let msg = match &file {
            Some(f) => format!("cannot import name '{nm}' from '{mn}' ({f})"),
            None => format!("cannot import name '{nm}' from '{mn}' (unknown location)"),
        };
        let e = self.import_error(msg);
        let n = self.str_val(&mn);
        self.set_exc_attr(&e, "name", n);
        let p = match &file {
            Some(f) => self.str_val(f),
            None => Value::None,
        };
        self.set_exc_attr(&e, "path", p);
        Err(e)
    }

    /// The `ImportStar` instruction: public names into the current namespace.
    pub(crate) fn import_star(&mut self, fi: usize, module: &Value) -> PyResult<()> {
        let Value::Obj(m) = module else {
            return Ok(());
        };
        let Some(md) = m.downcast::<Module>() else {
            return Ok(());
        };
        let d = md.dict.clone();
        let dd = d.downcast::<Dict>().unwrap();
        let names: Vec<Value> = match dd.get_str(&self.names.all) {
            Some(all) => self.collect_iter(&all)?,
            None => dd
                .keys()
                .into_iter()
                .filter(|k| {
                    k.as_obj()
                        .and_then(|s| str_of(s))
                        .is_some_and(|s| !s.starts_with('_'))
                })
                .collect(),
        };
        let target = self.frames[fi]
            .locals
            .clone()
            .unwrap_or_else(|| self.frames[fi].globals.clone());
        for n in names {
            let v = match &n {
                Value::Obj(s) => match dd.get_str(s) {
                    Some(v) => v,
                    None => {
                        let nm = str_of(s).unwrap_or("?").to_string();
                        let mn = dd
                            .get_str(&self.names.name)
                            .and_then(|v| v.as_obj().and_then(|s| str_of(s).map(|x| x.to_string())))
                            .unwrap_or_default();
                        return Err(
                            self.attribute_error(format!("module '{mn}' has no attribute '{nm}'"))
                        );
                    }
                },
                _ => continue,
            };
            self.dict_set(&target, n, v)?;
        }
        Ok(())
    }
}
