// A Linux kernel with what this machine's lacks, for the interoperability tests that need it (AH:
// a kernel built without CONFIG_INET_AH takes no AH security association): Debian's kernel
// (linux-image-amd64) booted in QEMU under software emulation, with this machine's root file system
// shared read-only over virtio-9p, so the same node, ip, socat and checkout (wherever it is, /tmp
// too) run inside. A tmpfs takes /run there (network namespaces); one folder of this machine's is
// shared writable at its own path, for the script to run and for what it writes. The initramfs is made here, from busybox (static) and
// the kernel's own modules for virtio and 9p, and the VM powers off when the script ends.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

const QEMU = 'qemu-system-x86_64';
const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'];
/** The modules the initramfs loads to reach the shared file system (their dependencies come along). */
const BOOT_MODULES = ['virtio_pci', '9pnet_virtio', '9p'];
const EXIT_MARK = 'xkvm-exit ';

export interface VmKernel {
  image: string;
  version: string;
}

/** The newest kernel in /boot whose modules are installed and include AH (ah4), or null. */
export function vmKernel(): VmKernel | null {
  const images = fs.existsSync('/boot') ? fs.readdirSync('/boot').filter((f) => f.startsWith('vmlinuz-')) : [];
  const found = images
    .map((f) => ({ image: path.join('/boot', f), version: f.slice('vmlinuz-'.length) }))
    .filter((k) => fs.existsSync(`/lib/modules/${k.version}/kernel/net/ipv4/ah4.ko`))
    .sort((a, b) => b.version.localeCompare(a.version, 'en', { numeric: true }));
  return found[0] ?? null;
}

function busybox(): string | null {
  return BUSYBOX.find((b) => fs.existsSync(b) && isStatic(b)) ?? null;
}

function isStatic(file: string): boolean {
  // A static ELF has no interpreter: no PT_INTERP program header ("/lib64/ld-linux" in its bytes).
  return !fs.readFileSync(file).includes('/lib64/ld-linux');
}

/** Why no VM can stand in for the kernel here, or null when one can. */
export function vmProblem(): string | null {
  const kernel = vmKernel();
  if (kernel === null) return 'no kernel with AH to boot in a VM (Debian: apt-get install linux-image-amd64)';
  if (spawnSync(QEMU, ['--version'], { stdio: 'ignore', timeout: 30_000 }).status !== 0)
    return 'no QEMU to boot a kernel with AH in (Debian: apt-get install qemu-system-x86)';
  if (busybox() === null) return 'no static busybox for the VM initramfs (Debian: apt-get install busybox-static)';
  if (spawnSync('modprobe', ['--version'], { stdio: 'ignore', timeout: 30_000 }).status !== 0) return 'no modprobe (Debian: kmod)';
  return null;
}

/** The module files `names` need, dependencies first (modprobe --show-depends for that kernel). */
function moduleFiles(version: string, names: readonly string[]): string[] {
  const files: string[] = [];
  for (const name of names) {
    const r = spawnSync('modprobe', ['-S', version, '--show-depends', name], { encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0) throw new Error(`modprobe -S ${version} --show-depends ${name}: ${r.stderr.trim()}`);
    for (const line of r.stdout.split('\n')) {
      const file = /^insmod (\S+)/.exec(line)?.[1];
      if (file !== undefined && !files.includes(file)) files.push(file);
    }
  }
  return files;
}

/** The init of the VM: mounts, modules, the shared root, then the script; powers off when it ends. */
function initScript(modules: readonly string[]): string {
  return `#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev
for m in ${modules.map((m) => path.basename(m)).join(' ')}; do /bin/busybox insmod /lib/$m; done
/bin/busybox mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,ro root /host
for d in proc sys dev; do /bin/busybox mount --bind /$d /host/$d; done
/bin/busybox mount -t tmpfs run /host/run
# The kernel loads modules on demand (crypto templates, algorithms) through a helper it runs from this
# root, not the shared one: the helper runs the shared root's modprobe.
/bin/busybox mkdir -p /sbin
printf '#!/bin/busybox sh\nexec /bin/busybox chroot /host /sbin/modprobe "$@"\n' > /sbin/modprobe
/bin/busybox chmod 755 /sbin/modprobe
echo /sbin/modprobe > /proc/sys/kernel/modprobe
shared=$(/bin/busybox sed -n 's/.*xkshared=\\([^ ]*\\).*/\\1/p' /proc/cmdline)
/bin/busybox mkdir -p /host$shared
/bin/busybox mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 shared /host$shared
/bin/busybox chroot /host /bin/sh -c "cd / && /bin/sh $shared/run.sh; echo ${EXIT_MARK}\\$?"
/bin/busybox poweroff -f
`;
}

/** A gzipped newc cpio archive of `files` (path in the archive → content and mode). */
function cpio(files: readonly { name: string; data: Buffer; mode: number }[]): Buffer {
  const parts: Buffer[] = [];
  const pad = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);
  const entry = (name: string, data: Buffer, mode: number, ino: number) => {
    const fields = [ino, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, name.length + 1, 0];
    const header = `070701${fields.map((f) => f.toString(16).padStart(8, '0')).join('')}`;
    const head = Buffer.concat([Buffer.from(header), Buffer.from(`${name}\0`)]);
    parts.push(head, pad(head.length), data, pad(data.length));
  };
  files.forEach((f, i) => entry(f.name, f.data, f.mode, i + 1));
  entry('TRAILER!!!', Buffer.alloc(0), 0, 0);
  return zlib.gzipSync(Buffer.concat(parts));
}

const DIR = 0o040755;
const FILE = 0o100755;

/** Makes the initramfs in `dir`; answers its path. */
function makeInitramfs(dir: string, version: string): string {
  const modules = moduleFiles(version, BOOT_MODULES);
  const files = [
    ...['bin', 'lib', 'proc', 'sys', 'dev', 'host'].map((d) => ({ name: d, data: Buffer.alloc(0), mode: DIR })),
    { name: 'bin/busybox', data: fs.readFileSync(busybox()!), mode: FILE },
    ...modules.map((m) => ({ name: `lib/${path.basename(m)}`, data: fs.readFileSync(m), mode: 0o100644 })),
    { name: 'init', data: Buffer.from(initScript(modules)), mode: FILE },
  ];
  const file = path.join(dir, 'initramfs.gz');
  fs.writeFileSync(file, cpio(files));
  return file;
}

/**
 * Boots the kernel and runs `script` (sh) inside, as root, with `shared` (a folder of this machine's,
 * writable there at the same path) for what it writes. Answers the console's output and the
 * script's exit status (null when the VM ended without one, or past `limitMs`).
 */
export async function runInVm(script: string, shared: string, limitMs: number): Promise<{ output: string; status: number | null }> {
  const kernel = vmKernel();
  if (kernel === null) throw new Error(vmProblem() ?? 'no kernel');
  fs.writeFileSync(path.join(shared, 'run.sh'), script);
  const initramfs = makeInitramfs(shared, kernel.version);
  const qemu = spawn(
    QEMU,
    [
      ...['-accel', 'tcg', '-m', '2048', '-smp', '2', '-nographic', '-no-reboot', '-nic', 'none'],
      ...['-kernel', kernel.image, '-initrd', initramfs],
      ...['-append', `console=ttyS0 edd=off quiet panic=-1 xkshared=${shared}`],
      ...[
        '-fsdev',
        'local,id=root,path=/,security_model=none,readonly=on,multidevs=remap',
        '-device',
        'virtio-9p-pci,fsdev=root,mount_tag=root',
      ],
      ...['-fsdev', `local,id=shared,path=${shared},security_model=none`, '-device', 'virtio-9p-pci,fsdev=shared,mount_tag=shared'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  qemu.stdout.setEncoding('utf8');
  qemu.stdout.on('data', (t: string) => (output += t));
  qemu.stderr.setEncoding('utf8');
  qemu.stderr.on('data', (t: string) => (output += t));
  const timer = setTimeout(() => qemu.kill('SIGKILL'), limitMs);
  await new Promise((resolve) => qemu.on('close', resolve));
  clearTimeout(timer);
  const mark = output.lastIndexOf(EXIT_MARK);
  const status = mark < 0 ? null : Number.parseInt(output.slice(mark + EXIT_MARK.length), 10);
  return { output, status: Number.isNaN(status) ? null : status };
}
