//! `radscore_settings`: extraction settings (pyradiomics parameter files, presets, setters).

use std::ffi::c_char;

use super::error::{Failure, boundary, fail, radscore_status};
use super::handle::{self, Object, get, get_mut, opt_str_arg, require_out, str_arg, write_out};
use crate::settings::{ImageTypeKind, ImageTypeSpec, Interpolator, Settings};

/// Extraction settings. Create with `radscore_settings_new`, `_from_preset`, `_from_string` or
/// `_from_file`; change with the setters; free with `radscore_settings_free`.
pub struct radscore_settings {
    _private: [u8; 0],
}

/// What a `radscore_settings` handle holds.
pub(crate) struct SettingsHandle {
    pub(crate) settings: Settings,
    pub(crate) threads: usize,
}

impl Object for radscore_settings {
    type Inner = SettingsHandle;
    const MAGIC: u64 = 0x5E77_1265_5E77_1265;
    const NAME: &'static str = "radscore_settings";
}

fn new_handle(settings: Settings) -> *mut radscore_settings {
    handle::into_raw::<radscore_settings>(SettingsHandle { settings, threads: 0 })
}

fn checked(settings: Settings) -> Result<Settings, Failure> {
    settings.clone().validate()?;
    Ok(settings)
}

/// Create settings with pyradiomics' defaults (`RadiomicsFeatureExtractor()`: original image,
/// every default feature class, bin width 25, no resampling).
///
/// `out` receives a new handle (free with `radscore_settings_free`).
/// Errors: `RADSCORE_STATUS_NULL_ARGUMENT` if `out` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_settings_new(out: *mut *mut radscore_settings) -> radscore_status {
    boundary(|| {
        require_out(out, "out")?;
        // SAFETY: checked non-null.
        unsafe { write_out(out, new_handle(Settings::default())) };
        Ok(())
    })
}

/// Create settings from a built-in preset: `"surufatinib"` (the studies' 851-feature
/// configuration) or `"pyradiomics-default"`.
///
/// `name` is a NUL-terminated string (borrowed for the call). `out` receives a new handle.
/// Errors: NULL arguments; `RADSCORE_STATUS_SETTING` for an unknown preset.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_settings_from_preset(
    name: *const c_char,
    out: *mut *mut radscore_settings,
) -> radscore_status {
    boundary(|| {
        // SAFETY: NUL-terminated per the contract.
        let name = unsafe { str_arg(name, "name") }?;
        require_out(out, "out")?;
        let s = checked(Settings::preset(name)?)?;
        // SAFETY: checked non-null.
        unsafe { write_out(out, new_handle(s)) };
        Ok(())
    })
}

/// Create settings from the text of a pyradiomics parameter file (YAML or JSON).
///
/// `text` is borrowed for the call. `out` receives a new handle.
/// Errors: NULL arguments; `RADSCORE_STATUS_SETTING` naming the offending key.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_settings_from_string(
    text: *const c_char,
    out: *mut *mut radscore_settings,
) -> radscore_status {
    boundary(|| {
        // SAFETY: NUL-terminated per the contract.
        let text = unsafe { str_arg(text, "text") }?;
        require_out(out, "out")?;
        let s = checked(Settings::from_str(text)?)?;
        // SAFETY: checked non-null.
        unsafe { write_out(out, new_handle(s)) };
        Ok(())
    })
}

/// Create settings from a pyradiomics parameter file (`.yaml`, `.yml`, `.json`).
///
/// `path` is borrowed for the call. `out` receives a new handle.
/// Errors: NULL arguments; `RADSCORE_STATUS_IO`; `RADSCORE_STATUS_SETTING` naming the key.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_settings_from_file(
    path: *const c_char,
    out: *mut *mut radscore_settings,
) -> radscore_status {
    boundary(|| {
        // SAFETY: NUL-terminated per the contract.
        let path = unsafe { str_arg(path, "path") }?;
        require_out(out, "out")?;
        let s = checked(Settings::from_file(path)?)?;
        // SAFETY: checked non-null.
        unsafe { write_out(out, new_handle(s)) };
        Ok(())
    })
}

/// Set any pyradiomics setting (`setting` section) by name, with its value as JSON text,
/// e.g. `("binWidth", "25")`, `("resampledPixelSpacing", "[1, 1, 1]")`, `("weightingNorm", "null")`.
///
/// On error the settings are unchanged. Errors: NULL arguments; `RADSCORE_STATUS_SETTING`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_settings_set(
    settings: *mut radscore_settings,
    key: *const c_char,
    value_json: *const c_char,
) -> radscore_status {
    boundary(|| {
        // SAFETY: handle and strings per the contract.
        let s = unsafe { get_mut(settings, "settings") }?;
        let key = unsafe { str_arg(key, "key") }?;
        let text = unsafe { str_arg(value_json, "value_json") }?;
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            fail(
                radscore_status::Setting,
                format!("setting '{key}': value is not JSON: {e}"),
            )
        })?;
        let mut next = s.settings.clone();
        next.general.set(key, &value, "")?;
        s.settings = checked(next)?;
        Ok(())
    })
}

/// Set a fixed bin width (> 0), as a parameter file's `binWidth: 25.0` would (a float);
/// clears any bin count. `radscore_settings_set(s, "binWidth", "25")` sets it as an integer,
/// pyradiomics' default, whose bin edges of an 8-bit image can overflow as numpy's do.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_settings_set_bin_width(
    settings: *mut radscore_settings,
    bin_width: f64,
) -> radscore_status {
    boundary(|| {
        // SAFETY: handle per the contract.
        let s = unsafe { get_mut(settings, "settings") }?;
        if !(bin_width > 0.0 && bin_width.is_finite()) {
            return Err(fail(
                radscore_status::Setting,
                format!("setting 'binWidth': must be > 0, got {bin_width}"),
            ));
        }
        s.settings.general.bin_width = bin_width;
        // A C double is a Python float to pyradiomics: edges in float64 (see binWidth).
        s.settings.general.bin_width_is_integer = false;
        s.settings.general.bin_count = None;
        Ok(())
    })
}

/// Set a fixed bin count (> 0), or 0 to go back to the bin width.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_settings_set_bin_count(
    settings: *mut radscore_settings,
    bin_count: u32,
) -> radscore_status {
    boundary(|| {
        // SAFETY: handle per the contract.
        let s = unsafe { get_mut(settings, "settings") }?;
        s.settings.general.bin_count = (bin_count > 0).then_some(bin_count as usize);
        Ok(())
    })
}

/// Set the ROI label value (≥ 1).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_settings_set_label(settings: *mut radscore_settings, label: u32) -> radscore_status {
    boundary(|| {
        // SAFETY: handle per the contract.
        let s = unsafe { get_mut(settings, "settings") }?;
        if label == 0 {
            return Err(fail(radscore_status::Setting, "setting 'label': must be ≥ 1, got 0"));
        }
        s.settings.general.label = label;
        Ok(())
    })
}

/// Resample to `spacing` = {x, y, z} mm (0 keeps the original spacing on that axis) with the
/// SimpleITK interpolator `interpolator` (e.g. "sitkBSpline"; NULL means sitkBSpline).
/// `spacing` = NULL disables resampling.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_settings_set_resampling(
    settings: *mut radscore_settings,
    spacing: *const f64,
    interpolator: *const c_char,
) -> radscore_status {
    boundary(|| {
        // SAFETY: handle and string per the contract.
        let s = unsafe { get_mut(settings, "settings") }?;
        let name = unsafe { opt_str_arg(interpolator, "interpolator") }?;
        if spacing.is_null() {
            s.settings.general.resampled_pixel_spacing = None;
            return Ok(());
        }
        // SAFETY: the caller provides 3 doubles.
        let sp = unsafe { [*spacing, *spacing.add(1), *spacing.add(2)] };
        if sp.iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(fail(
                radscore_status::Setting,
                format!("setting 'resampledPixelSpacing': values must be ≥ 0, got {sp:?}"),
            ));
        }
        let interp = match name {
            None => Interpolator::BSpline,
            Some(n) => Interpolator::from_name(n).ok_or_else(|| {
                fail(
                    radscore_status::Setting,
                    format!("setting 'interpolator': unknown interpolator '{n}'"),
                )
            })?,
        };
        s.settings.general.resampled_pixel_spacing = Some(sp);
        s.settings.general.resampled_pixel_spacing_axes = 3;
        s.settings.general.interpolator = Some(interp);
        Ok(())
    })
}

/// Enable (`enabled` ≠ 0) or disable an image type by its pyradiomics name ("Original",
/// "Wavelet", "LoG", "Square", ...), with default options.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_settings_set_image_type(
    settings: *mut radscore_settings,
    name: *const c_char,
    enabled: i32,
) -> radscore_status {
    boundary(|| {
        // SAFETY: handle and string per the contract.
        let s = unsafe { get_mut(settings, "settings") }?;
        let name = unsafe { str_arg(name, "name") }?;
        let kind = ImageTypeKind::from_name(name).ok_or_else(|| {
            fail(
                radscore_status::Setting,
                format!("imageType '{name}': unknown image type"),
            )
        })?;
        s.settings.image_types.retain(|t| t.kind != kind);
        if enabled != 0 {
            s.settings.image_types.push(ImageTypeSpec {
                kind,
                overrides: Default::default(),
            });
        }
        Ok(())
    })
}

/// Number of worker threads for extraction (0 = all cores, the default). With a count, each
/// calling thread keeps a pool of that many workers from its first extraction until it ends,
/// so that later extractions start at once; calls from several threads each use their own.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_settings_set_threads(
    settings: *mut radscore_settings,
    threads: u32,
) -> radscore_status {
    boundary(|| {
        // SAFETY: handle per the contract.
        let s = unsafe { get_mut(settings, "settings") }?;
        s.threads = threads as usize;
        Ok(())
    })
}

/// Free settings. NULL is a no-op; must not be called twice on the same handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn radscore_settings_free(settings: *mut radscore_settings) {
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: per the contract.
        unsafe { handle::free(settings) }
    });
}

pub(crate) unsafe fn settings_ref<'a>(p: *const radscore_settings) -> Result<&'a SettingsHandle, Failure> {
    // SAFETY: forwarded.
    unsafe { get(p, "settings") }
}
