//! `radscore_extract`: run the pipeline on an image and a mask.

use std::cell::RefCell;
use std::ffi::{CString, c_char, c_void};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use super::error::{Failure, boundary, fail, radscore_status};
use super::handle::{require_out, write_out};
use super::image::{image_ref, radscore_image};
use super::mask::{mask_ref, radscore_mask};
use super::result::{new_result, radscore_result};
use super::settings::{radscore_settings, settings_ref};
use crate::error::Result;
use crate::extract::{FeatureSet, extract_with_progress};

/// Progress callback: `fraction` in (0, 1], `stage` names the finished stage (a string valid
/// during the call), `user_data` as passed to `radscore_extract`. Return 0 to continue,
/// non-zero to cancel (the extraction then fails with `RADSCORE_STATUS_CANCELLED`).
/// Always called on the thread that called `radscore_extract`, never concurrently.
pub type radscore_progress_fn =
    Option<unsafe extern "C" fn(fraction: f64, stage: *const c_char, user_data: *mut c_void) -> i32>;

enum Message {
    Progress(f64, String),
    Done(Result<FeatureSet>),
}

/// Extract features of `image` within `mask` with `settings`.
///
/// All three handles are only read (they may be shared by concurrent calls). `progress` may
/// be NULL. `out` receives a new `radscore_result` (free with `radscore_result_free`).
/// Errors: NULL/invalid handles; every extraction error (`RADSCORE_STATUS_LABEL_ABSENT`,
/// `_GEOMETRY_MISMATCH`, `_ROI_TOO_SMALL`, `_NON_FINITE`, `_SETTING`, ...) with a message in
/// `radscore_last_error`; `RADSCORE_STATUS_CANCELLED` if the callback asked to stop.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_extract(
    settings: *const radscore_settings,
    image: *const radscore_image,
    mask: *const radscore_mask,
    progress: radscore_progress_fn,
    user_data: *mut c_void,
    out: *mut *mut radscore_result,
) -> radscore_status {
    boundary(|| {
        // SAFETY: handles per the contract.
        let s = unsafe { settings_ref(settings) }?;
        let img = unsafe { image_ref(image) }?;
        let m = unsafe { mask_ref(mask) }?;
        require_out(out, "out")?;
        let mut cfg = s.settings.clone();
        if let Some(label) = m.label {
            cfg.general.label = label;
        }
        let valid = cfg.validate()?;
        let features = run(img, &m.mask, &valid, s.threads, |fraction, stage| match progress {
            None => true,
            Some(cb) => {
                let stage = CString::new(stage).unwrap_or_default();
                // SAFETY: the caller's callback, called with the documented arguments.
                unsafe { cb(fraction, stage.as_ptr(), user_data) == 0 }
            }
        })?;
        // SAFETY: checked non-null.
        unsafe { write_out(out, new_result(&features)) };
        Ok(())
    })
}

/// The calling thread's pool of `threads` workers: built on its first extraction with that
/// many, every worker started (each has run once) before the work is handed over, then kept for
/// its next extractions (freed when the thread ends).
///
/// Why kept: a pool built per call split the work unevenly now and then. Four extractions of a
/// 15 mm lesion from memory on 2 threads in one process (Python binding, 2-core VM), four
/// processes: with a pool per call 4 of the 16 took 16–21 ms instead of 10–13; with the kept
/// pool every call after a thread's first took 10–12.5 ms (one first call took 18 ms).
/// Why per calling thread: calls from several host threads keep a pool each, so they run side
/// by side as before, rather than queueing for one shared pool.
fn pool_of(threads: usize) -> Result<Arc<rayon::ThreadPool>, Failure> {
    thread_local! {
        static POOLS: RefCell<Vec<(usize, Arc<rayon::ThreadPool>)>> = const { RefCell::new(Vec::new()) };
    }
    let build = || {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| {
                fail(
                    radscore_status::InvalidArgument,
                    format!("cannot start {threads} threads: {e}"),
                )
            })?;
        pool.broadcast(|_| ());
        Ok(Arc::new(pool))
    };
    // A call while the thread's locals are being torn down (from another local's destructor)
    // gets a pool of its own, as before.
    POOLS
        .try_with(|pools| {
            if let Some((_, pool)) = pools.borrow().iter().find(|(n, _)| *n == threads) {
                return Ok(pool.clone());
            }
            let pool = build()?;
            pools.borrow_mut().push((threads, pool.clone()));
            Ok(pool)
        })
        .unwrap_or_else(|_| build())
}

/// Run the extraction on a rayon pool while the calling thread relays progress.
fn run(
    image: &crate::image::Image,
    mask: &crate::image::LabelMap,
    settings: &crate::settings::ValidSettings,
    threads: usize,
    mut on_progress: impl FnMut(f64, &str) -> bool,
) -> Result<FeatureSet, Failure> {
    let pool = if threads > 0 { Some(pool_of(threads)?) } else { None };
    let cancelled = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<Message>();
    let mut outcome = None;
    // The work runs on the pool; this thread relays progress and the cancel flag, so the
    // caller's callback only ever runs on the caller's thread.
    macro_rules! body {
        ($scope:expr) => {{
            let tx = tx.clone();
            let cancelled = &cancelled;
            $scope.spawn(move |_| {
                let r = extract_with_progress(image, mask, settings, &mut |f, stage| {
                    let _ = tx.send(Message::Progress(f, stage.to_string()));
                    !cancelled.load(Ordering::Relaxed)
                });
                let _ = tx.send(Message::Done(r));
            });
            while let Ok(msg) = rx.recv() {
                match msg {
                    // After a cancel the caller hears nothing more (reports may already be queued).
                    Message::Progress(_, _) if cancelled.load(Ordering::Relaxed) => {}
                    Message::Progress(f, stage) => {
                        if !on_progress(f, &stage) {
                            cancelled.store(true, Ordering::Relaxed);
                        }
                    }
                    Message::Done(r) => {
                        outcome = Some(r);
                        break;
                    }
                }
            }
        }};
    }
    match &pool {
        Some(p) => p.in_place_scope(|scope| body!(scope)),
        None => rayon::in_place_scope(|scope| body!(scope)),
    }
    drop(tx);
    // A cancel answered to the last progress report may arrive after the work finished: the
    // caller still asked to stop, so honour it.
    if cancelled.load(Ordering::Relaxed) {
        return Err(fail(radscore_status::Cancelled, "cancelled by the caller"));
    }
    match outcome {
        Some(r) => Ok(r?),
        None => Err(fail(radscore_status::Panic, "extraction stopped without a result")),
    }
}
