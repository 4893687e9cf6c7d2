//! How a run ends, and how the end state is judged.

use std::fmt;

/// What a region holds compared with the images the simulator knows for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// Exactly the image it held before the update.
    Old,
    /// Exactly the image from the package.
    New,
    /// Neither: an image not fully written.
    Partial,
}

/// Which app runs at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Running {
    /// The app from before the update.
    OldApp,
    /// The app from the package.
    NewApp,
}

/// Why the device does not come back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Broken {
    /// The boot ROM or the bootloader starts a program whose region is not fully written.
    StartsPartial {
        /// "bootloader", "installer" or "app".
        program: &'static str,
        /// Its region.
        region: String,
    },
    /// The device keeps rebooting without reaching a stable app.
    Loops {
        /// Boots tried.
        boots: u32,
    },
}

/// The end state of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every image of the package is installed and the new firmware runs.
    NewInstalled,
    /// The old app runs and every region holds a complete image; `already_new` lists regions the
    /// update had already finished (e.g. the installer, rewritten by the app).
    OldIntact {
        /// Regions already holding their new image.
        already_new: Vec<String>,
    },
    /// An app runs, but some region the bootloader does not start now holds a partial image
    /// (or a mix of old and new): safe until something starts that region.
    Latent {
        /// Which app runs.
        running: Running,
        /// Regions holding partial images.
        partial: Vec<String>,
        /// Regions still holding their old image while others are new.
        stale: Vec<String>,
    },
    /// The device does not come back.
    Broken(Broken),
}

/// The four classes the power-cut report counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// [`Outcome::NewInstalled`].
    New,
    /// [`Outcome::OldIntact`].
    Old,
    /// [`Outcome::Latent`].
    Latent,
    /// [`Outcome::Broken`].
    Broken,
}

impl Outcome {
    /// The class counted in reports.
    pub fn class(&self) -> Class {
        match self {
            Outcome::NewInstalled => Class::New,
            Outcome::OldIntact { .. } => Class::Old,
            Outcome::Latent { .. } => Class::Latent,
            Outcome::Broken(_) => Class::Broken,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::NewInstalled => write!(f, "new firmware fully installed"),
            Outcome::OldIntact { already_new } if already_new.is_empty() => {
                write!(f, "old firmware intact")
            }
            Outcome::OldIntact { already_new } => write!(
                f,
                "old firmware intact (old app runs; {} already new)",
                already_new.join(", ")
            ),
            Outcome::Latent {
                running,
                partial,
                stale,
            } => {
                let app = match running {
                    Running::OldApp => "old app",
                    Running::NewApp => "new app",
                };
                write!(f, "{app} runs")?;
                if !partial.is_empty() {
                    write!(
                        f,
                        "; {} half-written (not started now; whatever starts it later bricks)",
                        partial.join(", ")
                    )?;
                }
                if !stale.is_empty() {
                    write!(f, "; {} still old", stale.join(", "))?;
                }
                Ok(())
            }
            Outcome::Broken(Broken::StartsPartial { program, region }) => write!(
                f,
                "BROKEN: starts the {program} in {region}, which is not fully written"
            ),
            Outcome::Broken(Broken::Loops { boots }) => {
                write!(f, "BROKEN: still rebooting after {boots} boots")
            }
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Class::New => "new firmware installed",
            Class::Old => "old firmware intact",
            Class::Latent => "latent (app runs, a region not started now is half-written)",
            Class::Broken => "broken",
        })
    }
}
