//! `imgtool device-sim`: a simulated SiFli device on a TCP socket, the receiving side of both
//! BLE DFU flows, for testing senders (`imgtool send`) without a board.
//!
//! The device model is `simulator::ble`; this module parses the options, plans the outputs,
//! binds the socket and writes the installed images and the report after every connection.

use super::print::say;
use super::Outcome;
use anyhow::{bail, Context, Result};
use clap::Args as ClapArgs;
use simulator::ble::fault::{Fault, Receiver};
use simulator::ble::package::{PackageDevice, PackageModel};
use simulator::ble::report::Report;
use simulator::ble::secure::{DeviceKeys, SecureDevice};
use simulator::ble::server::{serve, ServeOptions};
use simulator::ble::{Flow, LinkOptions, Sim};
use simulator::FlashMap;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::Duration;

const DEFAULT_LAYOUT: &str = "sf32lb52x-eh-lb523";
const DEFAULT_LINK_LOSS_MS: u64 = 6000;
const DEFAULT_ANSWER_EVERY: u8 = 1;

const AFTER_HELP: &str = "\
Examples:
  imgtool device-sim --listen 127.0.0.1:0 --flow package --out sim/ --once
  imgtool device-sim --listen 127.0.0.1:7000 --flow package --answer-every 10 \\
      --fault corrupt@3 --fault drop@7 --out sim/ --report sim.json
  imgtool device-sim --flow secure --root-key s01.bin --sig-pub sig_pub.der --out sim/

The first line on standard output is `listening on ADDR` (the bound address: with port 0
the system picks one). Each TCP connection is one BLE connection; frames are
`u8 type | u16 LE length | value`: 1 ATT write (sender to device), 2 notification (device to
sender), 3 link parameters (u16 ATT MTU, sent by the device first), 4 disconnect. Values are
SiFli serial-transmission frames carrying DFU messages (docs/send.md, \"Device simulator\").

Flows: `package` is the app's receiver of offline_install.bin (messages 38-43) writing
DFU_DOWNLOAD_REGION of --layout, then the install simulator (`imgtool simulate`) installs it.
`secure` is the secure online flow (messages 0-20, 32-37) with ctrl_packet.bin and the
out*/enc* record files.

Device models (package flow): --answer-every 1 (default) is the current SDK, answering every
packet with completed_count 0; --answer-every 10 is the newer SDK, answering every 10th packet
(and the last, unless --no-last-answer) when the sender's start request is the 16-byte one;
--preempted models it when its flash thread preempts the BLE thread: answers after packets 1,
11, 21... with the count before the packet and none after the last.

Faults (repeatable, each fires once): drop@K (link drops after data packet K), corrupt@K,
skip@K (packet K lost), delay@N:MS (notification N late), dup@N (notification N twice),
reject@CODE (first start/init request answered with CODE), power-cut@K (after packet K,
progress in RAM lost), install-cut@OP (package flow: power lost before flash operation OP of
the install), abort@K[:REASON] (secure flow: the app aborts after packet K with
ABORT_COMMAND). K counts every data packet received, from 1, resends included.

Options of one flow are refused with the other (exit 2): --layout, --answer-every,
--no-last-answer and --preempted are the package flow's; --root-key, --sig-pub and
--link-loss-ms the secure flow's. --no-last-answer and --preempted need --answer-every 10.

Outputs, after every connection: the images the last install left in their regions
(decompressed, decrypted; ID-NAME.bin as `imgtool unpack` names them) and the JSON report
(default OUT/report.json: connections, round trips, bytes, every packet with its result and
whether it had been confirmed before, faults fired, installs).

Exit codes: 0 stopped with no failed install (--once: the new firmware is installed), 1 the
last install did not install the new firmware, 2 error.";

/// Which DFU flow the device runs.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowOpt {
    /// The app's package receiver (offline_install.bin, messages 38-43)
    Package,
    /// The secure online flow (ctrl_packet.bin and out*/enc* record files)
    Secure,
}

/// Arguments of `imgtool device-sim`.
#[derive(ClapArgs, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Address to listen on (port 0: the system picks one, printed on the first line)
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    pub listen: String,
    /// The DFU flow the device runs
    #[arg(long, value_enum)]
    pub flow: FlowOpt,
    /// Package flow: the board layout, a layout file (.toml) or a bundled layout name
    /// [default: sf32lb52x-eh-lb523]
    #[arg(long, value_name = "LAYOUT")]
    pub layout: Option<String>,
    /// Secure flow: the device's root key (32 raw bytes, e.g. s01.bin)
    #[arg(long, value_name = "FILE", required_if_eq("flow", "secure"))]
    pub root_key: Option<PathBuf>,
    /// Secure flow: the signing public key in the device's flash table (sig_pub.der or .pem,
    /// or the private key, whose public half is taken)
    #[arg(long, value_name = "FILE", required_if_eq("flow", "secure"))]
    pub sig_pub: Option<PathBuf>,
    /// Secure flow: with no write for this long during an image the device sends a link-loss
    /// check; a second silent period drops the link (0: never) [default: 6000]
    #[arg(long, value_name = "MS", value_parser = super::common_args::number::<u64>)]
    pub link_loss_ms: Option<u64>,
    /// ATT MTU the device announces (23..517)
    #[arg(long, default_value_t = 247, value_name = "N", value_parser = mtu)]
    pub mtu: u16,
    /// Package flow: answer every packet (1, current SDKs) or every 10th (newer SDKs)
    /// [default: 1]
    #[arg(long, value_name = "1|10", value_parser = answer_every)]
    pub answer_every: Option<u8>,
    /// Package flow, with --answer-every 10: no answer after the last packet
    #[arg(long)]
    pub no_last_answer: bool,
    /// Package flow, with --answer-every 10: the newer SDK when its flash thread preempts the
    /// BLE thread (measured): answers after packets 1, 11, 21... with the count before the
    /// packet, none after the last
    #[arg(long)]
    pub preempted: bool,
    /// Latency added before every notification, in microseconds
    #[arg(long, default_value_t = 0, value_name = "N", value_parser = super::common_args::number::<u64>)]
    pub latency_us: u64,
    /// A fault to inject (repeatable): drop@K, corrupt@K, skip@K, delay@N:MS, dup@N,
    /// reject@CODE, power-cut@K, install-cut@OP (package flow), abort@K[:REASON] (secure flow)
    #[arg(long, value_name = "FAULT", value_parser = fault)]
    pub fault: Vec<Fault>,
    /// Directory to write the installed images (and report.json) into; created if missing
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Where to write the JSON report (default: OUT/report.json; `-` prints it at the end, and the status lines, the
    /// address first, go to standard error)
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Stop after the first install that leaves the new firmware installed
    #[arg(long)]
    pub once: bool,
    /// Stop when no sender connects for this many milliseconds (default: never)
    #[arg(long, value_name = "MS", value_parser = super::common_args::number::<u64>)]
    pub idle_timeout_ms: Option<u64>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub force: super::common_args::ForceArg,
}

fn mtu(s: &str) -> Result<u16, String> {
    let v = super::common_args::number::<u16>(s)?;
    if (23..=517).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is not an ATT MTU: expected 23..517"))
    }
}

fn answer_every(s: &str) -> Result<u8, String> {
    match super::common_args::number::<u8>(s)? {
        v @ (1 | 10) => Ok(v),
        v => Err(format!("{v}: expected 1 (every packet) or 10")),
    }
}

/// A `--fault` value; the refusal lists the accepted forms.
fn fault(s: &str) -> Result<Fault, String> {
    s.parse::<Fault>()
}

/// No option is silently ignored: each flow refuses the other one's options and the faults it
/// does not implement, and the package flow's answer-timing flags need --answer-every 10.
fn refuse_unused(args: &Args) -> Result<()> {
    let faults: Vec<String> = args.fault.iter().map(|f| format!("--fault {f}")).collect();
    let (receiver, other) = match args.flow {
        FlowOpt::Package => (Receiver::Package, "--flow secure"),
        FlowOpt::Secure => (Receiver::Secure, "--flow package"),
    };
    let unimplemented: Vec<(&str, bool)> = faults
        .iter()
        .zip(&args.fault)
        .map(|(name, f)| (name.as_str(), !f.acts_in(receiver)))
        .collect();
    match args.flow {
        FlowOpt::Package => {
            super::common_args::refuse_inapplicable(
                &[
                    ("--root-key", args.root_key.is_some()),
                    ("--sig-pub", args.sig_pub.is_some()),
                    ("--link-loss-ms", args.link_loss_ms.is_some()),
                ],
                "--flow package",
                "the package receiver checks no keys and sends no link-loss check (they are \
                 the secure flow's)",
                "use --flow secure",
            )?;
            super::common_args::refuse_inapplicable(
                &unimplemented,
                "--flow package",
                &format!(
                    "the package receiver has no abort message; its faults are {}",
                    receiver.fault_forms()
                ),
                &format!("use {other}"),
            )?;
            let every = match args.answer_every {
                Some(n) => format!("--answer-every {n}"),
                None => format!("--answer-every {DEFAULT_ANSWER_EVERY} (the default)"),
            };
            if args.answer_every.unwrap_or(DEFAULT_ANSWER_EVERY) == 1 {
                super::common_args::refuse_inapplicable(
                    &[
                        ("--no-last-answer", args.no_last_answer),
                        ("--preempted", args.preempted),
                    ],
                    &every,
                    "a device that answers every packet answers the last one too, and no \
                     flash thread delays its answers",
                    "add --answer-every 10 (the newer SDK they model)",
                )?;
            }
            super::common_args::refuse_inapplicable(
                &[("--no-last-answer", args.no_last_answer && args.preempted)],
                "--preempted",
                "the preempted device never answers the last packet anyway",
                "drop --preempted to model the unpreempted newer SDK",
            )
        }
        FlowOpt::Secure => {
            super::common_args::refuse_inapplicable(
                &[
                    ("--layout", args.layout.is_some()),
                    ("--answer-every", args.answer_every.is_some()),
                    ("--no-last-answer", args.no_last_answer),
                    ("--preempted", args.preempted),
                ],
                "--flow secure",
                "the secure receiver writes no flash layout and answers every num_of_rsp \
                 packets, as its init response says (they model the package receiver)",
                "use --flow package",
            )?;
            super::common_args::refuse_inapplicable(
                &unimplemented,
                "--flow secure",
                &format!(
                    "the secure receiver installs in memory, not with the install \
                     simulator's flash; its faults are {}",
                    receiver.fault_forms()
                ),
                &format!("use {other}"),
            )
        }
    }
}

/// Runs `imgtool device-sim`.
pub fn run(args: Args) -> Result<Outcome> {
    refuse_unused(&args)?;
    let inputs = inputs(&args);
    fsio::output::plan_output_dir(&args.out, &["report.json"], &inputs, args.force.force)?;
    let report_path = args
        .report
        .clone()
        .unwrap_or_else(|| args.out.join("report.json"));
    let report_dest = fsio::output::plan_output(&report_path, &inputs, args.force.force)?;
    let flow = make_flow(&args)?;
    let link = LinkOptions {
        mtu: args.mtu,
        latency_us: args.latency_us,
    };
    let mut sim = Sim::new(flow, link, &args.fault);
    let listener = TcpListener::bind(&args.listen)
        .with_context(|| format!("--listen {}: cannot bind", args.listen))?;
    let addr = listener.local_addr().context("bound address")?;
    say!("listening on {addr}");
    std::io::stdout().flush().context("standard output")?;
    std::io::stderr().flush().context("standard error")?;
    let opts = ServeOptions {
        once: args.once,
        idle_timeout: args.idle_timeout_ms.map(Duration::from_millis),
        link_loss: match args.flow {
            FlowOpt::Secure => Some(args.link_loss_ms.unwrap_or(DEFAULT_LINK_LOSS_MS))
                .filter(|&ms| ms > 0)
                .map(Duration::from_millis),
            FlowOpt::Package => None,
        },
    };
    let write = |sim: &Sim| -> std::io::Result<()> {
        write_outputs(&args, &report_dest, &sim.report()).map_err(std::io::Error::other)
    };
    // The report exists even when no sender ever connected.
    write(&sim)?;
    serve(&listener, &mut sim, opts, write).context("serving the simulated device")?;
    let report = sim.report();
    if report_dest.is_stdout() {
        let json = report.to_json();
        fsio::output::write(&report_dest, json.as_bytes(), fsio::output::Mode::Public)?;
    }
    print_summary(&report);
    Ok(match report.last_install() {
        Some(i) if !i.new_firmware_installed => Outcome::VerificationFailed,
        _ => Outcome::Ok,
    })
}

/// The files the command reads: no output may replace one.
fn inputs(args: &Args) -> Vec<&Path> {
    let mut inputs: Vec<&Path> = args.layout.iter().map(Path::new).collect();
    inputs.extend(args.root_key.as_deref());
    inputs.extend(args.sig_pub.as_deref());
    inputs
}

fn make_flow(args: &Args) -> Result<Box<dyn Flow>> {
    match args.flow {
        FlowOpt::Package => {
            let layout = args.layout.as_deref().unwrap_or(DEFAULT_LAYOUT);
            let layout = super::common_args::resolve_layout(layout)?;
            let map = FlashMap::from_layout(&layout)?;
            let model = PackageModel {
                answer_every: args.answer_every.unwrap_or(DEFAULT_ANSWER_EVERY),
                answer_last: !args.no_last_answer,
                preempted: args.preempted,
            };
            Ok(Box::new(PackageDevice::new(map, model)))
        }
        FlowOpt::Secure => {
            let (Some(root), Some(sig)) = (&args.root_key, &args.sig_pub) else {
                bail!("--flow secure needs --root-key and --sig-pub");
            };
            let keys = DeviceKeys {
                root: super::secure::load_root(root)?,
                verifier: super::secure::load_verifier(sig)?,
            };
            Ok(Box::new(SecureDevice::new(keys)))
        }
    }
}

/// The images of the last install and the report, all or none.
fn write_outputs(args: &Args, report_dest: &fsio::output::Dest, report: &Report) -> Result<()> {
    let json = report.to_json();
    let mut files: Vec<(fsio::output::Dest, &[u8])> = Vec::new();
    if let Some(install) = report.last_install() {
        for img in &install.images {
            let path = args.out.join(&img.file);
            let dest = fsio::output::plan_output(&path, &inputs(args), args.force.force)?;
            files.push((dest, &img.bytes));
        }
    }
    if !report_dest.is_stdout() {
        files.push((report_dest.clone(), json.as_bytes()));
    }
    fsio::output::commit(&files, fsio::output::Mode::Public)?;
    Ok(())
}

fn print_summary(r: &Report) {
    say!(
        "{} connection(s), {} round trips, {} ATT writes ({} bytes), {} notifications ({} bytes)",
        r.connections,
        r.round_trips,
        r.att_writes,
        r.att_write_bytes,
        r.notifications,
        r.notification_bytes
    );
    say!(
        "{} data packets received, {} re-sent after the device had confirmed them",
        r.packets.len(),
        r.resent_after_ack
    );
    for f in &r.faults_fired {
        say!("fault fired: {f}");
    }
    for (i, install) in r.installs.iter().enumerate() {
        say!("install {}: {}", i + 1, install.outcome);
    }
}
