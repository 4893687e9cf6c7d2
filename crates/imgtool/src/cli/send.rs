//! `imgtool send`: sends a package (package flow) or a control packet and its record files
//! (secure online flow) to a device, over BLE or to the simulated device. Writes no files.

use super::common_args::number;
use super::Outcome;
use anyhow::{bail, Context, Result};
use dfu::flow::{Event, Options, Report};
use dfu::{Connector, DfuError, SecureImage, SecureJob};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

const AFTER_HELP: &str = "\
Examples:
  imgtool send out/offline_install.bin --ble SIFLI_APP-12:34:56:78:9A:BC
  imgtool send out/offline_install.bin --sim 127.0.0.1:7878
  imgtool send --ctrl ctrl_packet.bin --record 0=outcom_hcpu.bin --record 3=outres.bin --sim 127.0.0.1:7878
  imgtool send secure_out/ --sim 127.0.0.1:7878          (the directory pack --secure wrote)

A file is sent with the package flow (messages 38-43, the default of every SDK project); --ctrl
with --record, or a pack --secure directory, with the secure online flow. An interrupted
transfer resumes where the device says it stopped (run the same command again); a device that
restarted (a power cut) is noticed and sent everything again. Progress: a bar on a terminal,
--json event lines for pipelines. docs/send.md has the protocol and every device error code.

Exit status: 0 the device accepted the whole transfer, 1 the device rejected it (the message
names its answer), 2 any other error (no answer, no connection, bad input).";

/// Arguments of `imgtool send`.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// offline_install.bin (package flow), or the output directory of `pack --secure`
    #[arg(value_name = "PACKAGE|DIR", required_unless_present = "ctrl")]
    pub input: Option<PathBuf>,

    /// Secure online flow: the control packet (ctrl_packet.bin); give --record for each image
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "input",
        requires = "records"
    )]
    pub ctrl: Option<PathBuf>,

    /// Secure online flow: a record file and its image id: ID=FILE (e.g. 0=outcom_hcpu.bin); repeat
    #[arg(long = "record", value_name = "ID=FILE", value_parser = super::secure_check::parse_record, requires = "ctrl")]
    pub records: Vec<(u8, PathBuf)>,

    /// Secure online flow: block size of the record files (default: read from the records'
    /// own offsets)
    #[arg(long, value_name = "BYTES", value_parser = number::<u16>)]
    pub bksize: Option<u16>,

    /// The device over BLE: its advertised name (SIFLI_APP-...) or address (Linux, Windows;
    /// macOS hides addresses: use the name). Needs a build with the `ble` feature
    #[arg(
        long,
        value_name = "NAME|ADDR",
        required_unless_present = "sim",
        conflicts_with = "sim"
    )]
    pub ble: Option<String>,

    /// The simulated device (`imgtool device-sim`) at HOST:PORT
    #[arg(long, value_name = "HOST:PORT")]
    pub sim: Option<String>,

    /// Package flow: the old 12-byte start request (SDKs without the version-1 request)
    #[arg(long)]
    pub legacy_start: bool,

    /// Secure online flow: start over instead of resuming an interrupted download
    #[arg(long)]
    pub no_resume: bool,

    /// Seconds to wait for each answer of the device (erase and install included)
    #[arg(long, value_name = "SECS", default_value = "20", value_parser = number::<u32>)]
    pub timeout: u32,

    /// New connections after a drop before giving up
    #[arg(long, value_name = "N", default_value = "5", value_parser = number::<u32>)]
    pub reconnects: u32,

    /// Secure online flow: packets per device response asked for [default: 20, what the phone
    /// asks for]
    #[arg(long, value_name = "N", value_parser = number::<u8>)]
    pub num_of_rsp: Option<u8>,

    /// Print one JSON object per event on standard output instead of a progress bar
    #[arg(long)]
    pub json: bool,
}

/// What is sent: a package, or a secure job's files.
enum Input {
    Package(PathBuf, Vec<u8>),
    Secure(Vec<u8>, Vec<(u8, Vec<u8>)>),
}

fn read_input(args: &Args) -> Result<Input> {
    let limit = fsio::input::Limit::PACKAGE;
    if let Some(ctrl) = &args.ctrl {
        return read_secure(ctrl, &args.records, limit);
    }
    let path = args
        .input
        .as_ref()
        .context("give a package, a directory, or --ctrl")?;
    if path.is_dir() {
        let manifest = path.join(imgtool::secure::SECURE_MANIFEST_FILE);
        let bytes = fsio::input::read_bounded(&manifest, fsio::input::Limit::SMALL)?;
        let files = imgtool::secure::online_files(&bytes)
            .map_err(|e| anyhow::anyhow!("{}: {e}", manifest.display()))?;
        let records: Vec<_> = files
            .records
            .iter()
            .map(|(id, f)| (*id, path.join(f)))
            .collect();
        return read_secure(&path.join(&files.ctrl), &records, limit);
    }
    Ok(Input::Package(
        path.clone(),
        fsio::input::read_bounded(path, limit)?,
    ))
}

fn read_secure(ctrl: &Path, records: &[(u8, PathBuf)], limit: fsio::input::Limit) -> Result<Input> {
    let ctrl = fsio::input::read_bounded(ctrl, limit)?;
    let files = records
        .iter()
        .map(|(id, p)| Ok((*id, fsio::input::read_bounded(p, limit)?)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Input::Secure(ctrl, files))
}

/// No option is silently ignored: each flow refuses the other one's options.
fn refuse_other_flow(args: &Args, input: &Input) -> Result<()> {
    let (flow, given) = match input {
        Input::Package(..) => (
            "the package flow (a package file)",
            [
                ("--no-resume", args.no_resume),
                ("--bksize", args.bksize.is_some()),
                ("--num-of-rsp", args.num_of_rsp.is_some()),
            ]
            .to_vec(),
        ),
        Input::Secure(..) => (
            "the secure online flow (a control packet and records)",
            [("--legacy-start", args.legacy_start)].to_vec(),
        ),
    };
    if let Some((name, _)) = given.iter().find(|g| g.1) {
        bail!("{name} is not an option of {flow}");
    }
    Ok(())
}

fn connector(args: &Args) -> Result<Box<dyn Connector>> {
    let timeout = Duration::from_secs(u64::from(args.timeout));
    if let Some(addr) = &args.sim {
        return Ok(Box::new(dfu::tcp::TcpConnector::new(addr, timeout)));
    }
    let target = args.ble.as_deref().unwrap_or_default();
    ble_connector(target, timeout)
}

#[cfg(feature = "ble")]
fn ble_connector(target: &str, timeout: Duration) -> Result<Box<dyn Connector>> {
    Ok(Box::new(dfu::ble::BleConnector::new(target, timeout)?))
}

#[cfg(not(feature = "ble"))]
fn ble_connector(target: &str, _timeout: Duration) -> Result<Box<dyn Connector>> {
    bail!("--ble {target}: this imgtool was built without BLE support; build it with `cargo build --release --features ble` (docs/send.md), or use --sim")
}

/// Runs `imgtool send`.
pub fn run(args: Args) -> Result<Outcome> {
    let input = read_input(&args)?;
    refuse_other_flow(&args, &input)?;
    let opts = Options {
        timeout: Duration::from_secs(u64::from(args.timeout)),
        legacy_start: args.legacy_start,
        resume: !args.no_resume,
        max_reconnects: args.reconnects,
        num_of_rsp: args
            .num_of_rsp
            .unwrap_or(Options::default().num_of_rsp)
            .max(1),
        ..Options::default()
    };
    let mut conn = connector(&args)?;
    let target = conn.describe();
    let mut show = Show::new(args.json);
    let (what, size, result) = match &input {
        Input::Package(path, bytes) => {
            let r = dfu::send_package(conn.as_mut(), bytes, &opts, &mut |e| show.event(e));
            (path.display().to_string(), bytes.len(), r)
        }
        Input::Secure(ctrl, files) => {
            let images = files
                .iter()
                .map(|(id, f)| SecureImage::new(*id, f, args.bksize))
                .collect::<Result<Vec<_>, _>>()?;
            let job = SecureJob::new(ctrl, images)?;
            let size = ctrl.len() + files.iter().map(|f| f.1.len()).sum::<usize>();
            let r = dfu::send_secure(conn.as_mut(), &job, &opts, &mut |e| show.event(e));
            (
                format!(
                    "control packet and {}",
                    super::count(files.len(), "record file")
                ),
                size,
                r,
            )
        }
    };
    show.finish();
    finish(&what, size, &target, result, args.json)
}

fn finish(
    what: &str,
    size: usize,
    target: &str,
    result: Result<Report, DfuError>,
    json: bool,
) -> Result<Outcome> {
    match result {
        Ok(r) => {
            let s = r.stats;
            let ratio = (s.bytes_out + s.bytes_in) as f64 / size.max(1) as f64;
            if json {
                let line = serde_json::json!({"event": "result", "ok": true, "connections": s.connections,
                    "round_trips": s.round_trips, "bytes_out": s.bytes_out, "bytes_in": s.bytes_in,
                    "data_packets": s.data_packets, "packets": r.packets});
                println!("{line}");
            } else {
                println!("OK sent {what} ({size} bytes, {} packets) to the {target}: the device accepted it; {} connections, {} round trips, {} bytes on the link ({ratio:.3} of the input)",
                    r.packets, s.connections, s.round_trips, s.bytes_out + s.bytes_in);
            }
            Ok(Outcome::Ok)
        }
        Err(e) if e.is_rejection() => {
            if json {
                println!(
                    "{}",
                    serde_json::json!({"event": "result", "ok": false, "error": super::error_message(&e.into())})
                );
            } else {
                eprintln!(
                    "FAIL sending {what} to the {target}: {}",
                    super::error_message(&e.into())
                );
            }
            Ok(Outcome::VerificationFailed)
        }
        Err(e) => Err(anyhow::Error::new(e).context(format!("sending {what} to the {target}"))),
    }
}

/// Progress: JSON lines, a bar on a terminal, or nothing but the final line.
struct Show {
    json: bool,
    bar: Option<indicatif::ProgressBar>,
}

impl Show {
    fn new(json: bool) -> Self {
        let bar = (!json && std::io::stderr().is_terminal()).then(|| {
            let b = indicatif::ProgressBar::new(0);
            let style = indicatif::ProgressStyle::with_template(
                "{msg} [{bar:40}] {pos}/{len} packets ({eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            b.set_style(style.progress_chars("=> "));
            b
        });
        Show { json, bar }
    }

    fn event(&mut self, e: &Event) {
        if self.json {
            println!("{}", event_json(e));
            return;
        }
        let Some(bar) = &self.bar else {
            // Not a terminal: what a log should keep, one line each.
            if let Some(line) = notable(e) {
                eprintln!("{line}");
            }
            return;
        };
        match e {
            Event::Start {
                image,
                from_packet,
                total,
            } => {
                bar.set_length(u64::from(*total));
                bar.set_position(u64::from(from_packet.saturating_sub(1)));
                bar.set_message(image.map_or("package".to_string(), |i| format!("image {i}")));
            }
            Event::Progress { done, .. } => bar.set_position(u64::from(*done)),
            Event::Installing => bar.set_message("installing"),
            _ => {
                if let Some(line) = notable(e) {
                    bar.println(line);
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// The line an event worth a log line gets (reconnects, resends, restarts).
fn notable(e: &Event) -> Option<String> {
    match e {
        Event::Reconnect { reason } => Some(format!("reconnecting: {reason}")),
        Event::Retransmit {
            from_packet,
            reason,
            ..
        } => Some(format!("sending again from packet {from_packet}: {reason}")),
        Event::DeviceRestarted {
            confirmed,
            reported,
        } => Some(format!(
            "the device restarted: it had confirmed {confirmed} packets and now holds {reported}"
        )),
        _ => None,
    }
}

/// One event as a JSON object (`event` names it).
fn event_json(e: &Event) -> serde_json::Value {
    use serde_json::json;
    match e {
        Event::Connected { connection, mtu } => {
            json!({"event": "connected", "connection": connection, "mtu": mtu})
        }
        Event::Start {
            image,
            from_packet,
            total,
        } => json!({"event": "start", "image": image, "from_packet": from_packet, "total": total}),
        Event::Progress { image, done, total } => {
            json!({"event": "progress", "image": image, "done": done, "total": total})
        }
        Event::Retransmit {
            image,
            from_packet,
            reason,
        } => {
            json!({"event": "retransmit", "image": image, "from_packet": from_packet, "reason": reason})
        }
        Event::DeviceRestarted {
            confirmed,
            reported,
        } => json!({"event": "device_restarted", "confirmed": confirmed, "reported": reported}),
        Event::Skipped { image } => json!({"event": "skipped", "image": image}),
        Event::Reconnect { reason } => json!({"event": "reconnect", "reason": reason}),
        Event::Installing => json!({"event": "installing"}),
        Event::Done => json!({"event": "done"}),
        other => json!({"event": "other", "debug": format!("{other:?}")}),
    }
}
