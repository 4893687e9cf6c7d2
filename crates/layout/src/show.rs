//! Human-readable listing of a layout (what `imgtool layout show` prints).
//!
//! Works on a layout that failed validation too (see [`Layout::parse_unvalidated`]), so that
//! overlapping flash regions can be seen, each flagged with `!! overlaps`.

use crate::{hex, Layout};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The listing: memories, then every region sorted by address with start, exclusive end, size
/// in KiB, memory, tags (or `(label)`) and notes (image ids, run address, overlaps), then the
/// image ids the device can install and why the others cannot be.
pub fn render(l: &Layout) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "layout {} ({})", l.name, l.chip);
    if let Some(d) = &l.description {
        let _ = writeln!(s, "{d}");
    }
    let _ = writeln!(
        s,
        "\n{:<12} {:<6} {:<10}  {:>10}",
        "memory", "kind", "base", "erase KiB"
    );
    for m in &l.memories {
        let erase = if m.erase_unit == 0 {
            "-".to_string()
        } else {
            kib(u64::from(m.erase_unit))
        };
        let _ = writeln!(
            s,
            "{:<12} {:<6} {}  {:>10}",
            m.name,
            m.kind.as_str(),
            hex::format(m.base),
            erase
        );
    }
    let _ = writeln!(
        s,
        "\n{:<10}  {:<10}  {:>9}  {:<12} tags / notes",
        "start", "end", "size KiB", "memory"
    );
    let notes = notes(l);
    let mut order: Vec<usize> = (0..l.regions.len()).collect();
    order.sort_by_key(|&i| {
        (
            l.regions[i].start(),
            l.regions[i].end(),
            l.regions[i].name(),
        )
    });
    for i in order {
        let r = &l.regions[i];
        let names = if r.tags.is_empty() {
            format!("({})", r.label.as_deref().unwrap_or("?"))
        } else {
            r.tags.join(", ")
        };
        let mut line = format!(
            "{}  {}  {:>9}  {:<12} {}",
            hex::format(r.start()),
            hex::format(r.end()),
            kib(r.size),
            r.memory,
            names
        );
        if let Some(n) = notes.get(&i) {
            let _ = write!(line, "  [{}]", n.join("; "));
        }
        let _ = writeln!(s, "{}", line.trim_end());
    }
    installs(l, &mut s);
    s
}

/// The image ids the device's installer can install here (and where), then why each other
/// named id cannot be installed.
fn installs(l: &Layout, s: &mut String) {
    let _ = writeln!(
        s,
        "\ninstallable image ids (where the device's DFU installer writes them):"
    );
    let mut refused = Vec::new();
    for id in crate::ImageId::named() {
        match l.install_region(id) {
            Ok(i) => {
                let _ = writeln!(
                    s,
                    "  {:<18} {:<36} {}  {}",
                    format!("{id} ({})", id.0),
                    i.macro_name,
                    hex::format(i.region.start()),
                    i.region.name()
                );
            }
            Err(e) => refused.push((id, e)),
        }
    }
    let _ = writeln!(s, "\nnot installable (pack refuses them):");
    for (id, e) in refused {
        let _ = writeln!(s, "  {id} ({}): {e}", id.0);
    }
}

/// Notes per region index: image ids, download region, run address, overlaps.
fn notes(l: &Layout) -> BTreeMap<usize, Vec<String>> {
    let mut out: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let index_of = |name: &str| {
        l.regions
            .iter()
            .position(|r| r.tags.iter().chain(r.label.iter()).any(|t| t == name))
    };
    for (id, name) in &l.images {
        if let Some(i) = index_of(name) {
            out.entry(i)
                .or_default()
                .push(format!("image {} ({id})", id.0));
        }
    }
    if let Some(i) = index_of(crate::lookup::DOWNLOAD_REGION_TAG) {
        out.entry(i).or_default().push("OTA download".to_string());
    }
    for (i, r) in l.regions.iter().enumerate() {
        if let Some(x) = r.xip {
            let note = match r.xip_size {
                Some(size) => format!("runs at {} ({} KiB)", hex::format(x), kib(size)),
                None => format!("runs at {}", hex::format(x)),
            };
            out.entry(i).or_default().push(note);
        }
    }
    for (a, b) in l.flash_overlaps() {
        let (na, nb) = (l.regions[a].name(), l.regions[b].name());
        out.entry(a).or_default().push(format!("!! overlaps {nb}"));
        out.entry(b).or_default().push(format!("!! overlaps {na}"));
    }
    out
}

/// Size in KiB: an integer when whole, else up to three decimals (`0.5`).
fn kib(bytes: u64) -> String {
    if bytes % 1024 == 0 {
        (bytes / 1024).to_string()
    } else {
        let s = format!("{:.3}", bytes as f64 / 1024.0);
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kib_formats_whole_and_fractional_sizes() {
        assert_eq!(kib(0), "0");
        assert_eq!(kib(0x8000), "32");
        assert_eq!(kib(0x200), "0.5");
        assert_eq!(kib(0x7FC00), "511");
        assert_eq!(kib(100), "0.098");
    }
}
