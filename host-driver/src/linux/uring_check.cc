// salix-uring-check - exercises the io_uring passthrough device in a guest,
// one aspect per subcommand so a VM test counts each as a check:
//
//   salix-uring-check info DEV            identify: serial, LBA size, MDTS
//   salix-uring-check verify DEV [--qd N] [--mib M] [--seed S]
//                     random-sized writes (4 KiB .. 128 KiB) of seeded data
//                     over M MiB at queue depth N, Flush, then reads of the
//                     same ranges at depth N, every byte compared
//   salix-uring-check status DEV          a read past the end comes back as
//                                         LBA Out of Range (0x80), not errno
//   salix-uring-check exclusive DEV       a second open of DEV fails, naming
//                                         DEV and this process as holder
//   salix-uring-check vendor DEV          vendor I/O (Read Tags) and vendor
//                                         admin (Fault Injection, mode none)
//                                         reach the device; their NVMe status
//                                         and DW0 are printed
//
// Exit status: 0 when the aspect holds, 1 when it does not, 2 on bad usage.
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "salix/array_commands.h"
#include "salix/host/linux_device.h"
#include "salix/opcodes.h"

namespace {

using salix::host::Device;
using salix::host::DeviceCommand;
using salix::host::DeviceCompletion;

std::string describe(const DeviceCompletion& c) {
  if (c.errno_ != 0) return fmt::format("errno {} ({})", -c.errno_, strerror(-c.errno_));
  return fmt::format("NVMe status 0x{:x}", c.status);
}

DeviceCommand rw(uint8_t opcode, uint64_t slba, uint32_t blocks, void* buf, uint32_t lba) {
  DeviceCommand c;
  c.opcode = opcode;
  c.cdw10 = static_cast<uint32_t>(slba);
  c.cdw11 = static_cast<uint32_t>(slba >> 32);
  c.cdw12 = blocks - 1;
  c.data = buf;
  c.data_len = blocks * lba;
  return c;
}

int cmd_info(Device& d) {
  const auto& i = d.info();
  fmt::print("{}: serial {} model '{}' nsid {} lba {} B x {} = {} MiB, max transfer {} B, "
             "salix {}, queue depth {}\n",
             i.name, i.serial, i.model, i.nsid, i.lba_size, i.lba_count,
             i.capacity_bytes() >> 20, i.max_transfer_bytes, i.salix ? "yes" : "no",
             d.queue_depth());
  return i.salix && i.lba_size >= 512 && i.lba_count > 0 ? 0 : 1;
}

struct Io {
  uint64_t slba;
  uint32_t blocks;
  size_t offset;  // into the pattern buffer
};

struct Pending {
  int* errors;
  const Io* io;
  DeviceCompletion* first_error;
  static void Done(void* ctx, const DeviceCompletion& c) {
    auto* p = static_cast<Pending*>(ctx);
    if (!c.ok() && (*p->errors)++ == 0) *p->first_error = c;
  }
};

// Runs every Io with opcode at depth qd; returns the number of failures.
int run_all(Device& d, uint8_t opcode, const std::vector<Io>& ios, uint8_t* base, unsigned qd,
            DeviceCompletion* first_error) {
  int errors = 0;
  std::vector<Pending> ctx(ios.size());
  size_t next = 0;
  const uint32_t lba = d.info().lba_size;
  while (next < ios.size() || d.in_flight() > 0) {
    while (next < ios.size() && d.in_flight() < qd) {
      ctx[next] = Pending{&errors, &ios[next], first_error};
      const Io& io = ios[next];
      if (!d.Submit(rw(opcode, io.slba, io.blocks, base + io.offset, lba), &Pending::Done,
                    &ctx[next]))
        break;
      ++next;
    }
    d.Poll(1000);
  }
  return errors;
}

int cmd_verify(Device& d, unsigned qd, uint64_t mib, uint64_t seed) {
  const auto& info = d.info();
  const uint32_t lba = info.lba_size;
  uint64_t bytes = std::min(mib << 20, info.capacity_bytes());
  uint32_t max_blocks = std::max<uint32_t>(
      1, std::min<uint32_t>(128 * 1024, info.max_transfer_bytes ? info.max_transfer_bytes
                                                                 : 128 * 1024) / lba);
  fmt::print("verify {}: {} MiB, QD{}, 1..{} blocks per command, seed {}\n", info.name,
             bytes >> 20, qd, max_blocks, seed);
  std::mt19937_64 rng(seed);
  // Non-overlapping ranges covering the region, in shuffled order, so the
  // queue really holds many independent commands.
  std::vector<Io> ios;
  uint64_t total_blocks = bytes / lba, at = 0;
  size_t offset = 0;
  while (at < total_blocks) {
    uint32_t n = static_cast<uint32_t>(
        std::min<uint64_t>(total_blocks - at, 1 + rng() % max_blocks));
    ios.push_back(Io{at, n, offset});
    at += n;
    offset += size_t{n} * lba;
  }
  std::shuffle(ios.begin(), ios.end(), rng);
  auto* pattern = static_cast<uint8_t*>(aligned_alloc(4096, (offset + 4095) / 4096 * 4096));
  auto* readback = static_cast<uint8_t*>(aligned_alloc(4096, (offset + 4095) / 4096 * 4096));
  for (size_t i = 0; i + 8 <= offset; i += 8) {
    uint64_t v = rng();
    std::memcpy(pattern + i, &v, 8);
  }
  std::memset(readback, 0xa5, offset);

  DeviceCompletion err;
  auto t0 = std::chrono::steady_clock::now();
  int werr = run_all(d, SALIX_IO_WRITE, ios, pattern, qd, &err);
  if (werr) {
    fmt::print("FAIL: {} of {} writes failed, first: {}\n", werr, ios.size(), describe(err));
    return 1;
  }
  DeviceCommand flush;
  flush.opcode = SALIX_IO_FLUSH;
  DeviceCompletion fc = d.Execute(flush);
  if (!fc.ok()) {
    fmt::print("FAIL: flush: {}\n", describe(fc));
    return 1;
  }
  auto t1 = std::chrono::steady_clock::now();
  std::shuffle(ios.begin(), ios.end(), rng);
  int rerr = run_all(d, SALIX_IO_READ, ios, readback, qd, &err);
  auto t2 = std::chrono::steady_clock::now();
  if (rerr) {
    fmt::print("FAIL: {} of {} reads failed, first: {}\n", rerr, ios.size(), describe(err));
    return 1;
  }
  for (const Io& io : ios) {
    size_t len = size_t{io.blocks} * lba;
    if (std::memcmp(pattern + io.offset, readback + io.offset, len) != 0) {
      size_t i = 0;
      while (pattern[io.offset + i] == readback[io.offset + i]) ++i;
      fmt::print("FAIL: data mismatch in LBA {}+{} at byte {}: wrote 0x{:02x}, read 0x{:02x}\n",
                 io.slba, io.blocks, i, pattern[io.offset + i], readback[io.offset + i]);
      return 1;
    }
  }
  auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  fmt::print("ok: {} commands each way, {} MiB verified; write+flush {:.2f} s ({:.0f} cmd/s), "
             "read {:.2f} s ({:.0f} cmd/s)\n",
             ios.size(), bytes >> 20, secs(t0, t1), ios.size() / secs(t0, t1), secs(t1, t2),
             ios.size() / secs(t1, t2));
  free(pattern);
  free(readback);
  return 0;
}

int cmd_status(Device& d) {
  const auto& info = d.info();
  std::vector<uint8_t> buf(info.lba_size);
  // Starts at the last block and runs one past the end.
  DeviceCompletion c = d.Execute(rw(SALIX_IO_READ, info.lba_count - 1, 1, buf.data(), info.lba_size));
  if (!c.ok()) {
    fmt::print("FAIL: reading the last block: {}\n", describe(c));
    return 1;
  }
  c = d.Execute(rw(SALIX_IO_READ, info.lba_count, 1, buf.data(), info.lba_size));
  fmt::print("read at LBA {} (the end): {}\n", info.lba_count, describe(c));
  return c.errno_ == 0 && c.status == 0x80 ? 0 : 1;
}

int cmd_exclusive(const std::string& path) {
  auto second = salix::host::OpenLinuxDevice(path);
  if (second) {
    fmt::print("FAIL: a second open of {} succeeded while the first holds it\n", path);
    return 1;
  }
  const std::string& msg = second.error().message;
  fmt::print("second open refused: {}\n", msg);
  std::string me = fmt::format("pid {}", getpid());
  return msg.find("in use") != std::string::npos && msg.find(me) != std::string::npos ? 0 : 1;
}

int cmd_vendor(Device& d) {
  const auto& info = d.info();
  std::vector<salix_tag_entry> tags(1);
  DeviceCommand rt;
  rt.opcode = SALIX_IO_READ_TAGS;
  rt.data = tags.data();
  rt.data_len = sizeof(salix_tag_entry);
  DeviceCompletion c = d.Execute(rt);
  fmt::print("Read Tags (I/O 0x{:x}) of LBA 0: {}, dw0 0x{:x}", rt.opcode, describe(c), c.dw0);
  if (c.ok()) fmt::print(", flags 0x{:x} seq {}", tags[0].flags, tags[0].seq);
  fmt::print("\n");
  // Invalid Command Opcode (0x01) is the firmware saying it does not have
  // the command yet: the command still reached it.
  bool io_ok = c.errno_ == 0 && (c.status == 0 || c.status == 0x01);

  DeviceCommand fi;
  fi.opcode = SALIX_ADMIN_FAULT_INJECTION;
  fi.cdw10 = SALIX_FAULT_NONE;
  DeviceCompletion a = d.Admin(fi);
  fmt::print("Fault Injection (admin 0x{:x}, mode none): {}, dw0 (previous mode) {}\n",
             fi.opcode, describe(a), a.dw0);
  bool admin_ok = a.errno_ == 0 && (a.status == 0 || a.status == 0x01);

  // Identify Controller through Admin(): the serial must match.
  std::vector<uint8_t> id(4096);
  DeviceCommand ident;
  ident.opcode = 0x06;
  ident.cdw10 = 1;
  ident.data = id.data();
  ident.data_len = 4096;
  DeviceCompletion ic = d.Admin(ident);
  std::string sn(reinterpret_cast<char*>(id.data() + 4), 20);
  while (!sn.empty() && sn.back() == ' ') sn.pop_back();
  fmt::print("Identify Controller through Admin(): {}, serial '{}' (info: '{}')\n", describe(ic),
             sn, info.serial);
  return io_ok && admin_ok && ic.ok() && sn == info.serial ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.size() < 2) {
    fmt::print(stderr, "usage: salix-uring-check info|verify|status|exclusive|vendor DEV "
                       "[--qd N] [--mib M] [--seed S]\n");
    return 2;
  }
  std::string cmd(args[0]), path(args[1]);
  unsigned qd = 32;
  uint64_t mib = 16, seed = std::random_device{}();
  for (size_t i = 2; i + 1 < args.size(); i += 2) {
    uint64_t v = std::strtoull(std::string(args[i + 1]).c_str(), nullptr, 0);
    if (args[i] == "--qd") qd = static_cast<unsigned>(v);
    else if (args[i] == "--mib") mib = v;
    else if (args[i] == "--seed") seed = v;
    else {
      fmt::print(stderr, "salix-uring-check: unknown option '{}'\n", args[i]);
      return 2;
    }
  }
  auto dev = salix::host::OpenLinuxDevice(path);
  if (!dev) {
    fmt::print("FAIL: {}\n", dev.error().message);
    return 1;
  }
  Device& d = *dev.value();
  if (cmd == "info") return cmd_info(d);
  if (cmd == "verify") return cmd_verify(d, qd, mib, seed);
  if (cmd == "status") return cmd_status(d);
  if (cmd == "exclusive") return cmd_exclusive(path);
  if (cmd == "vendor") return cmd_vendor(d);
  fmt::print(stderr, "salix-uring-check: unknown command '{}'\n", cmd);
  return 2;
}
