//! What oubli can tell about the storage under a file, and whether an
//! in-place overwrite can be trusted to reach the file's old blocks there.
//!
//! An overwrite of one file is *partial sanitization* (NIST SP 800-88r2
//! §4.2), never a Clear or Purge of the medium. Whether it even reaches the
//! blocks that held the data depends on the file system (copy-on-write and
//! log-structured ones write elsewhere), on what is under it (flash remaps
//! writes; a virtual disk's blocks live on a host we cannot see) and on its
//! options (ext4 `data=journal` keeps copies in the journal). [`probe`]
//! gathers what Linux shows (`fstatfs` type, `/sys/dev/block`, mount
//! options), and [`Storage::assess`] turns it into a conservative verdict:
//! `verified` is only ever possible on a plain in-place file system on a
//! rotational physical disk.

use std::fmt;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

/// How a file system places rewritten data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageClass {
    /// Rewrites in place (ext2/3/4, xfs, jfs, vfat, …).
    InPlace,
    /// Copy-on-write: rewrites go to new blocks (btrfs, zfs, bcachefs).
    CopyOnWrite,
    /// Log-structured: rewrites are appended (f2fs, nilfs2, ubifs, jffs2).
    LogStructured,
    /// A network or cluster file system (nfs, cifs, ceph, 9p, fuse, …).
    Network,
    /// Memory-backed (tmpfs, ramfs).
    Memory,
    /// A union of layers (overlay): rewrites copy the file up.
    Layered,
    /// Read-only or otherwise not a place data is rewritten.
    ReadOnly,
    /// Not recognised.
    Unknown,
}

impl StorageClass {
    /// The name written to ledger entries.
    pub fn name(self) -> &'static str {
        match self {
            StorageClass::InPlace => "in-place",
            StorageClass::CopyOnWrite => "copy-on-write",
            StorageClass::LogStructured => "log-structured",
            StorageClass::Network => "network",
            StorageClass::Memory => "memory",
            StorageClass::Layered => "layered",
            StorageClass::ReadOnly => "read-only",
            StorageClass::Unknown => "unknown",
        }
    }
}

/// A file system, from its `statfs` magic number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSystem {
    /// `ext4`, `xfs`, … or `unknown`.
    pub name: &'static str,
    /// The `f_type` magic number.
    pub magic: u64,
    /// How it places rewritten data.
    pub class: StorageClass,
}

/// The known `statfs` `f_type` values (linux/magic.h) and their class.
const FILE_SYSTEMS: &[(u64, &str, StorageClass)] = &[
    // ext2, ext3 and ext4 share one magic number.
    (0xEF53, "ext2/3/4", StorageClass::InPlace),
    (0x5846_5342, "xfs", StorageClass::InPlace),
    (0x3153_464A, "jfs", StorageClass::InPlace),
    (0x5265_4973, "reiserfs", StorageClass::InPlace),
    (0x4D44, "vfat", StorageClass::InPlace),
    (0x2011_BAB0, "exfat", StorageClass::InPlace),
    (0x5346_544E, "ntfs", StorageClass::InPlace),
    (0x7366_746E, "ntfs3", StorageClass::InPlace),
    (0x4244, "hfs", StorageClass::InPlace),
    (0x0116_1970, "gfs2", StorageClass::Network),
    (0x7461_636F, "ocfs2", StorageClass::Network),
    (0x9123_683E, "btrfs", StorageClass::CopyOnWrite),
    (0x2FC1_2FC1, "zfs", StorageClass::CopyOnWrite),
    (0xCA45_1A4E, "bcachefs", StorageClass::CopyOnWrite),
    (0xF2F5_2010, "f2fs", StorageClass::LogStructured),
    (0x3434, "nilfs2", StorageClass::LogStructured),
    (0x2405_1905, "ubifs", StorageClass::LogStructured),
    (0x72B6, "jffs2", StorageClass::LogStructured),
    (0x6969, "nfs", StorageClass::Network),
    (0xFF53_4D42, "cifs", StorageClass::Network),
    (0xFE53_4D42, "smb2", StorageClass::Network),
    (0x00C3_6400, "ceph", StorageClass::Network),
    (0x0102_1997, "9p", StorageClass::Network),
    (0x6573_5546, "fuse", StorageClass::Network),
    (0x0BD0_0BD0, "lustre", StorageClass::Network),
    (0x6B41_4653, "afs", StorageClass::Network),
    (0x0102_1994, "tmpfs", StorageClass::Memory),
    (0x8584_58F6, "ramfs", StorageClass::Memory),
    (0x794C_7630, "overlay", StorageClass::Layered),
    (0xF15F, "ecryptfs", StorageClass::Layered),
    (0x7371_7368, "squashfs", StorageClass::ReadOnly),
    (0x9660, "iso9660", StorageClass::ReadOnly),
    (0xE0F5_E1E2, "erofs", StorageClass::ReadOnly),
];

impl FileSystem {
    /// The file system with `statfs` type `magic`.
    pub fn from_magic(magic: u64) -> FileSystem {
        let magic = magic & 0xFFFF_FFFF;
        FILE_SYSTEMS.iter().find(|(m, _, _)| *m == magic).map_or(
            FileSystem {
                name: "unknown",
                magic,
                class: StorageClass::Unknown,
            },
            |&(magic, name, class)| FileSystem { name, magic, class },
        )
    }
}

/// What kind of block device holds the file system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKind {
    /// A SCSI/SATA/IDE disk that does not name a hypervisor as its vendor.
    Disk,
    /// A software RAID (md) array.
    Raid,
    /// A virtual disk (virtio, Xen, or a disk whose vendor is a hypervisor).
    Virtual,
    /// NVMe or MMC/SD: flash.
    Flash,
    /// A loop device: its blocks are a file on another file system.
    Loop,
    /// device-mapper (LVM, LUKS, thin provisioning, snapshots).
    DeviceMapper,
    /// A compressed RAM disk (zram) or RAM disk.
    Memory,
    /// A network block device (nbd, rbd, iSCSI is seen as a disk).
    Network,
    /// Anything else.
    Other,
}

impl DeviceKind {
    /// The name written to ledger entries.
    pub fn name(self) -> &'static str {
        match self {
            DeviceKind::Disk => "disk",
            DeviceKind::Raid => "raid",
            DeviceKind::Virtual => "virtual",
            DeviceKind::Flash => "flash",
            DeviceKind::Loop => "loop",
            DeviceKind::DeviceMapper => "device-mapper",
            DeviceKind::Memory => "memory",
            DeviceKind::Network => "network",
            DeviceKind::Other => "other",
        }
    }
}

/// The block device under a file system, as `/sys` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// The kernel's name of the whole device (`sda`, `vda`, `nvme0n1`, `dm-0`).
    pub name: String,
    /// Its kind.
    pub kind: DeviceKind,
    /// `queue/rotational`, if readable.
    pub rotational: Option<bool>,
    /// `device/vendor` and `device/model`, if present.
    pub model: Option<String>,
}

/// Everything known about where a file's blocks are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Storage {
    /// The file system.
    pub file_system: FileSystem,
    /// The file system type named in the mount table (`ext4`, `xfs`), if found.
    pub mount_type: Option<String>,
    /// The block device, if it could be resolved.
    pub device: Option<Device>,
    /// ext3/ext4 mounted with `data=journal`.
    pub data_journal: bool,
}

/// Whether an overwrite there can be trusted, and why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    /// An in-place overwrite plausibly reaches the old blocks.
    pub in_place: bool,
    /// Why it may not (empty when `in_place`).
    pub reasons: Vec<String>,
    /// What holds even when it does.
    pub caveats: Vec<String>,
}

/// What oubli recommends where an overwrite cannot be verified.
pub const RECOMMENDATION: &str = "crypto-shredding: keep such data encrypted (an encrypted volume, or oubli `encrypt` columns) and destroy the key; or sanitize the whole device (NIST SP 800-88r2 Purge)";

/// The caveat every overwrite carries.
pub const PARTIAL_SANITIZATION: &str = "an overwrite of one file is partial sanitization (NIST SP 800-88r2 §4.2), not a Clear or Purge of the medium";

impl Storage {
    /// The display name of the file system (`ext4` from the mount table
    /// when known, else the `statfs` family name).
    pub fn file_system_name(&self) -> String {
        self.mount_type
            .clone()
            .unwrap_or_else(|| self.file_system.name.to_owned())
    }

    /// Whether an in-place overwrite plausibly reaches the old blocks, and
    /// every reason it may not. Conservative: anything not known to be a
    /// plain in-place file system on a rotational physical disk is not.
    pub fn assess(&self) -> Assessment {
        let fs = self.file_system_name();
        let mut reasons = Vec::new();
        let mut caveats = vec![PARTIAL_SANITIZATION.to_owned()];
        match self.file_system.class {
            StorageClass::InPlace => {}
            StorageClass::CopyOnWrite => reasons.push(format!(
                "{fs} is copy-on-write: the overwrite goes to new blocks, and the old blocks (and any snapshot or reflinked copy) keep the data"
            )),
            StorageClass::LogStructured => reasons.push(format!(
                "{fs} is log-structured: the overwrite is appended elsewhere, and the old data stays until the cleaner reuses its blocks"
            )),
            StorageClass::Network => reasons.push(format!(
                "{fs} is a network or cluster file system: the overwrite reaches the server, whose storage (snapshots, replicas, copy-on-write) is not visible"
            )),
            StorageClass::Memory => reasons.push(format!(
                "{fs} is memory-backed: the pages are overwritten in RAM, but copies swapped out earlier are not reached"
            )),
            StorageClass::Layered => reasons.push(format!(
                "{fs} stacks file systems: the overwrite reaches the upper copy only, the lower layer keeps the original"
            )),
            StorageClass::ReadOnly => reasons.push(format!("{fs} is a read-only file system")),
            StorageClass::Unknown => reasons.push(format!(
                "unknown file system (statfs type {:#x}): cannot tell whether an overwrite reaches the old blocks",
                self.file_system.magic
            )),
        }
        if self.data_journal {
            reasons.push(format!(
                "{fs} is mounted with data=journal: file data also goes through the journal, which keeps old copies"
            ));
        }
        if self.file_system.class == StorageClass::InPlace {
            match &self.device {
                None => reasons.push(format!(
                    "the block device under {fs} could not be identified, so whether it rewrites in place is unknown"
                )),
                Some(device) => device_reasons(device, &mut reasons),
            }
            if self.file_system.name == "ext2/3/4" {
                caveats.push(
                    "the journal may still hold the file's metadata and, briefly, its name"
                        .to_owned(),
                );
            }
            if self.file_system.name == "xfs" {
                caveats.push(
                    "blocks shared with a reflinked copy (cp --reflink) are not overwritten in place"
                        .to_owned(),
                );
            }
            caveats.push(
                "sectors the drive remapped (grown defects) keep their old contents".to_owned(),
            );
        }
        Assessment {
            in_place: reasons.is_empty(),
            reasons,
            caveats,
        }
    }
}

fn device_reasons(device: &Device, reasons: &mut Vec<String>) {
    let name = &device.name;
    match device.kind {
        DeviceKind::Disk | DeviceKind::Raid => match device.rotational {
            Some(true) => {}
            Some(false) => reasons.push(format!(
                "{name} is a non-rotational (flash) device: its translation layer remaps writes, so the old pages survive until garbage collection"
            )),
            None => reasons.push(format!("{name}: whether it is rotational is unknown")),
        },
        DeviceKind::Virtual => reasons.push(format!(
            "{name} is a virtual disk{}: where the host keeps its blocks (a file, a snapshot, flash) is not visible",
            device
                .model
                .as_ref()
                .map(|m| format!(" ({m})"))
                .unwrap_or_default()
        )),
        DeviceKind::Flash => reasons.push(format!(
            "{name} is flash storage: its translation layer remaps writes, so the old pages survive until garbage collection"
        )),
        DeviceKind::Loop => reasons.push(format!(
            "{name} is a loop device: its blocks are a file on another file system"
        )),
        DeviceKind::DeviceMapper => reasons.push(format!(
            "{name} is a device-mapper volume (LVM, LUKS, thin provisioning): snapshots or thin pools may keep the old blocks"
        )),
        DeviceKind::Memory => reasons.push(format!("{name} is a RAM disk (zram or ram)")),
        DeviceKind::Network => reasons.push(format!(
            "{name} is a network block device: its storage is not visible"
        )),
        DeviceKind::Other => reasons.push(format!(
            "{name} is a block device of a kind oubli does not recognise"
        )),
    }
}

impl fmt::Display for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file_system_name())?;
        if let Some(d) = &self.device {
            write!(f, " on {} ({}", d.name, d.kind.name())?;
            match d.rotational {
                Some(true) => write!(f, ", rotational)")?,
                Some(false) => write!(f, ", non-rotational)")?,
                None => write!(f, ")")?,
            }
        }
        Ok(())
    }
}

/// What Linux shows about the storage under an open file.
pub fn probe(fd: impl AsFd, dev: u64) -> Storage {
    let magic = rustix::fs::fstatfs(&fd).map_or(0, |s| f_type(&s));
    describe(FileSystem::from_magic(magic), dev)
}

/// Like [`probe`], for a path (not followed if it is a symlink: its
/// directory is probed), without opening it for writing (dry runs).
pub fn probe_path(path: &Path, dev: u64) -> Storage {
    let target = match path.symlink_metadata() {
        Ok(m) if m.file_type().is_symlink() => path.parent().unwrap_or(Path::new(".")),
        _ => path,
    };
    let magic = rustix::fs::statfs(target).map_or(0, |s| f_type(&s));
    describe(FileSystem::from_magic(magic), dev)
}

// The width of `f_type` differs between targets.
#[allow(clippy::unnecessary_cast, trivial_numeric_casts)]
fn f_type(s: &rustix::fs::StatFs) -> u64 {
    s.f_type as u64
}

fn describe(file_system: FileSystem, dev: u64) -> Storage {
    let (major, minor) = (rustix::fs::major(dev), rustix::fs::minor(dev));
    let mount = mount_info(major, minor);
    let device = if major == 0 {
        None // an anonymous device (btrfs subvolumes, overlay, tmpfs, nfs)
    } else {
        block_device(major, minor)
    };
    Storage {
        file_system,
        mount_type: mount.as_ref().map(|(t, _)| t.clone()),
        data_journal: mount
            .as_ref()
            .is_some_and(|(_, opts)| opts.split(',').any(|o| o == "data=journal")),
        device,
    }
}

/// The type and super-block options of the mount with device `major:minor`
/// (`/proc/self/mountinfo`).
fn mount_info(major: u32, minor: u32) -> Option<(String, String)> {
    let table = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let id = format!("{major}:{minor}");
    table.lines().find_map(|line| {
        let mut fields = line.split(' ');
        if fields.nth(2)? != id {
            return None;
        }
        let mut rest = line.split(" - ").nth(1)?.split(' ');
        let fs_type = rest.next()?.to_owned();
        let _source = rest.next()?;
        let options = rest.next().unwrap_or_default().to_owned();
        Some((fs_type, options))
    })
}

/// The whole block device for `major:minor`, from `/sys/dev/block`.
fn block_device(major: u32, minor: u32) -> Option<Device> {
    let link = PathBuf::from(format!("/sys/dev/block/{major}:{minor}"));
    let mut dir = std::fs::canonicalize(&link).ok()?;
    if dir.join("partition").exists() {
        dir = dir.parent()?.to_path_buf();
    }
    let name = dir.file_name()?.to_str()?.to_owned();
    // (virtio's `device/vendor` is a PCI id such as `0x1af4`: not a name.)
    let read = |rel: &str| {
        std::fs::read_to_string(dir.join(rel))
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty() && !s.starts_with("0x"))
    };
    let rotational = read("queue/rotational").map(|r| r == "1");
    let model = match (read("device/vendor"), read("device/model")) {
        (Some(v), Some(m)) => Some(format!("{v} {m}")),
        (v, m) => v.or(m),
    };
    Some(Device {
        kind: device_kind(&name, model.as_deref()),
        name,
        rotational,
        model,
    })
}

/// The kind of a whole block device, by its kernel name and model.
pub fn device_kind(name: &str, model: Option<&str>) -> DeviceKind {
    let starts = |p: &str| name.starts_with(p);
    if starts("vd") || starts("xvd") {
        DeviceKind::Virtual
    } else if starts("nvme") || starts("mmcblk") {
        DeviceKind::Flash
    } else if starts("loop") {
        DeviceKind::Loop
    } else if starts("dm-") {
        DeviceKind::DeviceMapper
    } else if starts("zram") || starts("ram") {
        DeviceKind::Memory
    } else if starts("nbd") || starts("rbd") {
        DeviceKind::Network
    } else if starts("md") {
        DeviceKind::Raid
    } else if starts("sd") || starts("hd") {
        const HYPERVISORS: &[&str] = &[
            "qemu", "vmware", "vbox", "virtual", "msft", "google", "amazon", "xen",
        ];
        let model = model.unwrap_or_default().to_ascii_lowercase();
        if HYPERVISORS.iter().any(|h| model.contains(h)) {
            DeviceKind::Virtual
        } else {
            DeviceKind::Disk
        }
    } else {
        DeviceKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn storage(magic: u64, device: Option<(&str, Option<bool>)>) -> Storage {
        Storage {
            file_system: FileSystem::from_magic(magic),
            mount_type: None,
            device: device.map(|(name, rotational)| Device {
                name: name.to_owned(),
                kind: device_kind(name, None),
                rotational,
                model: None,
            }),
            data_journal: false,
        }
    }

    #[test]
    fn only_in_place_file_systems_on_rotational_physical_disks_are_in_place() {
        assert!(storage(0xEF53, Some(("sda", Some(true)))).assess().in_place);
        assert!(
            storage(0x5846_5342, Some(("md0", Some(true))))
                .assess()
                .in_place
        );
        for s in [
            storage(0xEF53, Some(("sda", Some(false)))),
            storage(0xEF53, Some(("sda", None))),
            storage(0xEF53, Some(("vda", Some(true)))),
            storage(0xEF53, Some(("nvme0n1", Some(false)))),
            storage(0xEF53, Some(("dm-0", Some(true)))),
            storage(0xEF53, Some(("loop0", Some(true)))),
            storage(0xEF53, None),
            storage(0x9123_683E, Some(("sda", Some(true)))),
            storage(0x2FC1_2FC1, None),
            storage(0xF2F5_2010, Some(("sda", Some(true)))),
            storage(0x0102_1994, None),
            storage(0x794C_7630, None),
            storage(0x6969, None),
            storage(0x1234_5678, Some(("sda", Some(true)))),
        ] {
            let a = s.assess();
            assert!(!a.in_place, "{s}: {a:?}");
            assert!(!a.reasons.is_empty());
            assert!(a.caveats.iter().any(|c| c.contains("800-88r2")));
        }
        let mut journal = storage(0xEF53, Some(("sda", Some(true))));
        journal.data_journal = true;
        assert!(!journal.assess().in_place);
    }

    #[test]
    fn hypervisor_disks_are_virtual() {
        assert_eq!(
            device_kind("sda", Some("QEMU QEMU HARDDISK")),
            DeviceKind::Virtual
        );
        assert_eq!(
            device_kind("sdb", Some("ATA WDC WD40EFRX")),
            DeviceKind::Disk
        );
        assert_eq!(device_kind("vda", None), DeviceKind::Virtual);
    }

    #[test]
    fn the_verdict_never_says_clear_or_purge_of_a_file() {
        let a = storage(0xEF53, Some(("sda", Some(true)))).assess();
        for text in a.reasons.iter().chain(&a.caveats) {
            assert!(
                !text.contains("Clear ") || text.contains("not a Clear"),
                "{text}"
            );
        }
    }

    #[test]
    fn probing_this_machine_gives_an_answer() {
        let file = tempfile::tempfile().unwrap();
        let dev = std::os::unix::fs::MetadataExt::dev(&file.metadata().unwrap());
        let s = probe(&file, dev);
        assert!(!s.file_system_name().is_empty());
    }
}
