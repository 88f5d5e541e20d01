//! pyradiomics' Gradient image type (`getGradientImage`): SimpleITK's
//! `GradientMagnitudeImageFilter` (output float32). Per voxel, in double:
//! g_d = ½·(x[i+1] − x[i−1])·(1/spacing_d) along each axis d = x, y, z (central differences,
//! the neighbour past a border replaced by the border voxel: zero-flux Neumann), then
//! √(g_x² + g_y² + g_z²). With `gradientUseSpacing` off the spacing is taken as 1.

use rayon::prelude::*;

use super::{FilteredImage, derived, flat_values};
use crate::error::{Error, Result};
use crate::image::{Image, PixelType};

/// The `gradient` image.
pub fn gradient(image: &Image, use_spacing: bool) -> Result<FilteredImage> {
    let (nz, ny, nx) = image.voxels.dim();
    let spacing = image.geometry.spacing;
    // ITK's DerivativeOperator (order 1) has taps (½, 0, −½), scaled by 1/spacing.
    let mut half = [0.5f64; 3];
    if use_spacing {
        for (h, &s) in half.iter_mut().zip(&spacing) {
            if s == 0.0 {
                return Err(Error::InvalidArgument("gradient: image spacing cannot be zero".into()));
            }
            *h = 0.5 * (1.0 / s);
        }
    }
    let input = flat_values(image);
    let slab = ny * nx;
    let mut out = vec![0.0f64; input.len()];
    if slab > 0 {
        out.par_chunks_mut(slab).enumerate().for_each(|(z, o)| {
            let (zm, zp) = (z.saturating_sub(1), (z + 1).min(nz - 1));
            for y in 0..ny {
                let (ym, yp) = (y.saturating_sub(1), (y + 1).min(ny - 1));
                for x in 0..nx {
                    let (xm, xp) = (x.saturating_sub(1), (x + 1).min(nx - 1));
                    let at = |z: usize, y: usize, x: usize| input[z * slab + y * nx + x];
                    // Inner product with the operator in neighbourhood order: (−1, 0, +1).
                    let tap =
                        |h: f64, before: f64, centre: f64, after: f64| 0.0 + h * before + 0.0 * centre + (-h) * after;
                    let c = at(z, y, x);
                    let gx = tap(half[0], at(z, y, xm), c, at(z, y, xp));
                    let gy = tap(half[1], at(z, ym, x), c, at(z, yp, x));
                    let gz = tap(half[2], at(zm, y, x), c, at(zp, y, x));
                    let a = 0.0 + gx * gx + gy * gy + gz * gz;
                    o[y * nx + x] = a.sqrt() as f32 as f64;
                }
            }
        });
    }
    Ok(FilteredImage {
        name: "gradient".into(),
        image: derived(image, out, PixelType::F32)?,
    })
}
