//! The trap handler: what the dispatch loop does when the trap word is set
//! (see `trap.rs`). Runs queued finalizers and weakref callbacks, the
//! collector when a threshold was passed, signal handlers (SIGINT becomes
//! KeyboardInterrupt), pending hook errors, line/opcode trace events, and
//! the instruction count (while tracing, or while a native hook asks).

use crate::object::value::Value;
use crate::vm::trap::{
    TRAP_ASYNC, TRAP_COUNT, TRAP_FINALIZE, TRAP_GC, TRAP_LINE, TRAP_SIGNAL, TRAP_TRACE,
};
use crate::vm::{PyResult, Vm};

impl Vm {
    /// Handles every pending trap bit before executing instruction `pc`.
    #[cold]
    #[inline(never)]
    pub(crate) fn handle_trap(&mut self, pc: usize) -> PyResult<()> {
        let bits = self.trap.get();
        if bits == TRAP_COUNT {
            self.instr_count += 1;
            return Ok(());
        }
        if bits == TRAP_LINE {
            return self.hook_line_check(pc, bits);
        }
        if bits & TRAP_FINALIZE != 0 {
            self.trap.clear(TRAP_FINALIZE);
            self.run_finalizers();
        }
        if bits & TRAP_GC != 0 {
            self.trap.clear(TRAP_GC);
            self.collect_automatic();
        }
        if bits & TRAP_SIGNAL != 0 {
            self.trap.clear(TRAP_SIGNAL);
            self.check_signals()?;
        }
        if bits & TRAP_ASYNC != 0 {
            self.trap.clear(TRAP_ASYNC);
            crate::modules::faulthandler::at_safe_point();
            if let Some(e) = self.pending_hook_error.take() {
                return Err(e);
            }
            self.async_work()?;
        }
        if bits & (TRAP_TRACE | TRAP_COUNT) != 0 {
            self.instr_count += 1;
        }
        if bits & (TRAP_TRACE | TRAP_LINE) != 0 {
            self.hook_line_check(pc, bits)?;
        }
        Ok(())
    }

    /// Runs finalizers (`__del__`, generator close) and weakref callbacks
    /// queued by deallocations; errors are reported, not raised.
    pub(crate) fn run_finalizers(&mut self) {
        loop {
            let queue = crate::gc::heap::take_finalize_queue();
            if queue.is_empty() {
                break;
            }
            for obj in queue {
                self.finalize_object(obj);
            }
        }
        let callbacks = crate::gc::weakrefs::take_pending_callbacks();
        for (cb, wr) in callbacks {
            if let Err(e) = self.call(&cb, vec![Value::Obj(wr)]) {
                let r = self.repr(&cb).unwrap_or_default();
                self.report_unraisable(&e, &format!("Exception ignored in: {r}"));
            }
        }
    }

    /// Runs work requested by watchdogs (faulthandler dumps and the like).
    fn async_work(&mut self) -> PyResult<()> {
        let jobs = std::mem::take(&mut self.async_jobs);
        for job in jobs {
            job(self)?;
        }
        Ok(())
    }

    /// Raises KeyboardInterrupt for a pending SIGINT.
    fn check_signals(&mut self) -> PyResult<()> {
        self.run_pending_signals()
    }
}
