// array.cc - CreateArray and OpenArray: checking members, superblocks.
#include <fmt/format.h>
#include <salix/opcodes.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <set>

#include "array/commands.h"
#include "array/engine.h"

namespace salix::host {
namespace {

using array::Engine;
using array::Geometry;
using array::Superblock;


// Reads both superblock copies of a device; the newest valid one, or why
// there is none.
Result<Superblock> ReadSuperblock(Device* dev) {
  const DeviceInfo& info = dev->info();
  uint32_t blocks = std::max<uint32_t>(1, array::kSuperblockBytes / info.lba_size);
  std::vector<uint8_t> buf(uint64_t{blocks} * info.lba_size);
  std::optional<Superblock> best;
  std::string why = "no Salix array superblock";
  for (unsigned copy = 0; copy < 2; copy++) {
    // Copies live at chunks 0 and 1; the chunk size is in the superblock, so
    // copy 1 is found by first reading copy 0's chunk size (or 4 KiB).
    uint64_t chunk_bytes = best ? best->chunk_bytes : 4096;
    uint64_t lba = copy * (chunk_bytes / info.lba_size);
    DeviceCommand cmd = array::Rw(SALIX_IO_READ, lba, blocks, buf.data(),
                                  static_cast<uint32_t>(buf.size()));
    DeviceCompletion c = dev->Execute(cmd);
    if (!c.ok()) {
      return Error{fmt::format("{}: reading the superblock failed (status "
                               "{:#x}, errno {})",
                               info.name, c.status, c.errno_)};
    }
    Superblock sb;
    std::memcpy(&sb, buf.data(), sizeof(sb));
    std::string bad = array::CheckSuperblock(sb);
    if (!bad.empty()) {
      if (bad != "no Salix array superblock") why = bad;
      continue;
    }
    if (!best || sb.generation > best->generation) best = sb;
  }
  if (!best) return Error{fmt::format("{}: {}", info.name, why)};
  return *best;
}

Result<bool> Trim(Device* dev, uint64_t blocks) {
  std::vector<array::DsmRange> ranges = array::WholeDevice(blocks);
  DeviceCommand cmd = array::Deallocate(ranges);
  DeviceCompletion c = dev->Execute(cmd);
  if (!c.ok()) {
    return Error{fmt::format("{}: deallocating the device failed (status "
                             "{:#x}, errno {})",
                             dev->info().name, c.status, c.errno_)};
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<Array>> CreateArray(std::vector<Device*> members,
                                           const ArrayOptions& options,
                                           std::vector<Device*> spares) {
  unsigned n = options.data_members + options.parity_members;
  if (members.size() != n) {
    return Error{fmt::format("a {}+{} array needs {} members, {} given",
                             options.data_members, options.parity_members, n,
                             members.size())};
  }
  if (options.name.empty() || options.name.size() >= 32) {
    return Error{fmt::format("array name '{}': 1 to 31 characters",
                             options.name)};
  }
  std::set<std::string> serials;
  const DeviceInfo& first = members[0]->info();
  for (Device* d : members) {
    const DeviceInfo& info = d->info();
    if (options.parity == ParityMode::kDevice && !info.salix) {
      return Error{fmt::format("{}: not a Salix device; device parity needs "
                               "its Parity Compute command (use host parity "
                               "for other NVMe devices)",
                               info.name)};
    }
    if (info.lba_size != first.lba_size) {
      return Error{fmt::format("{}: LBA size {} differs from {}'s {}",
                               info.name, info.lba_size, first.name,
                               first.lba_size)};
    }
    if (info.lba_count != first.lba_count) {
      return Error{fmt::format("{}: {} bytes, but {} has {}: members must be "
                               "the same size",
                               info.name, info.capacity_bytes(), first.name,
                               first.capacity_bytes())};
    }
    if (!info.serial.empty() && !serials.insert(info.serial).second) {
      return Error{fmt::format("{}: serial {} appears twice (the same device "
                               "given twice?)",
                               info.name, info.serial)};
    }
    if (!options.force) {
      auto sb = ReadSuperblock(d);
      if (sb.ok()) {
        return Error{fmt::format("{}: already member {} of array '{}'; "
                                 "destroy that array or use --force",
                                 info.name, sb.value().member_index,
                                 std::string(sb.value().name,
                                             strnlen(sb.value().name, 32)))};
      }
    }
  }
  Geometry g;
  uint64_t member_chunks = first.capacity_bytes() / options.chunk_bytes;
  std::string why = array::ComputeGeometry(
      options.data_members, options.parity_members, options.chunk_bytes,
      first.lba_size, member_chunks, options.gc_reserve_percent,
      options.parity_rotation, &g);
  if (!why.empty()) return Error{fmt::format("{}: {}", first.name, why)};
  for (Device* d : spares) {
    if (d->info().lba_size != first.lba_size ||
        d->info().capacity_bytes() < first.capacity_bytes()) {
      return Error{fmt::format("{}: a spare must have the members' LBA size "
                               "and at least their capacity",
                               d->info().name)};
    }
  }
  // A fresh start: no tag of an earlier life may survive on a member.
  for (Device* d : members) {
    auto r = Trim(d, g.member_chunks * g.chunk_blocks);
    if (!r.ok()) return r.error();
  }
  Superblock sb{};
  std::random_device rd;
  sb.uuid = (uint64_t{rd()} << 32) | rd();
  sb.generation = 0;
  std::memcpy(sb.name, options.name.data(), options.name.size());
  sb.k = options.data_members;
  sb.m = options.parity_members;
  sb.chunk_bytes = options.chunk_bytes;
  sb.parity_mode = options.parity == ParityMode::kHost ? 1 : 0;
  sb.member_count = n;
  sb.member_chunks = g.member_chunks;
  sb.stripes = g.stripes;
  sb.logical_chunks = g.logical_chunks;
  sb.table_start = g.table_start;
  sb.table_chunks = g.table_chunks;
  sb.transient_start = g.transient_start;
  sb.groups = g.groups;
  sb.data_start = g.data_start;
  sb.parity_rotation = g.rotation;
  for (unsigned i = 0; i < n; i++) {
    const std::string& s = members[i]->info().serial;
    std::memcpy(sb.member_serial[i], s.data(), std::min<size_t>(20, s.size()));
  }
  auto engine = std::make_unique<Engine>(members, spares, sb, g);
  auto r = engine->WriteSuperblocks();
  if (!r.ok()) return r.error();
  return std::unique_ptr<Array>(std::move(engine));
}

Result<std::unique_ptr<Array>> OpenArray(std::vector<Device*> devices,
                                         std::vector<Device*> spares) {
  std::vector<std::pair<Device*, Superblock>> found;
  for (Device* d : devices) {
    if (d == nullptr) continue;
    auto sb = ReadSuperblock(d);
    if (!sb.ok()) {
      // A device that cannot even be read is a dead member: it counts as
      // missing below. One that reads but is not ours is the user's mistake.
      if (sb.error().message.find("reading the superblock failed") !=
          std::string::npos) {
        continue;
      }
      return sb.error();
    }
    found.emplace_back(d, sb.value());
  }
  if (found.empty()) return Error{"no member devices given"};
  // The newest superblock speaks for the array.
  auto newest = std::max_element(found.begin(), found.end(),
                                 [](const auto& a, const auto& b) {
                                   return a.second.generation < b.second.generation;
                                 });
  Superblock sb = newest->second;
  std::vector<Device*> members(sb.member_count, nullptr);
  for (auto& [dev, s] : found) {
    if (s.uuid != sb.uuid) {
      return Error{fmt::format("{}: belongs to array '{}' ({:016x}), not to "
                               "'{}' ({:016x})",
                               dev->info().name,
                               std::string(s.name, strnlen(s.name, 32)), s.uuid,
                               std::string(sb.name, strnlen(sb.name, 32)),
                               sb.uuid)};
    }
    if (members[s.member_index] != nullptr) {
      return Error{fmt::format("{}: member {} given twice (also {})",
                               dev->info().name, s.member_index,
                               members[s.member_index]->info().name)};
    }
    if (dev->info().lba_size == 0 ||
        dev->info().capacity_bytes() < sb.member_chunks * sb.chunk_bytes) {
      return Error{fmt::format("{}: smaller than the array's members",
                               dev->info().name)};
    }
    // A member the newest superblock calls failed stays out, even if it
    // answers again: its chunks are stale.
    if (sb.member_state[s.member_index] ==
        static_cast<uint8_t>(array::MemberState::kFailed)) {
      continue;
    }
    if (s.generation < sb.generation &&
        std::string(s.member_serial[s.member_index], 20) !=
            std::string(sb.member_serial[s.member_index], 20)) {
      continue;  // replaced by a rebuild since
    }
    members[s.member_index] = dev;
  }
  unsigned missing = 0;
  std::string names;
  for (unsigned i = 0; i < sb.member_count; i++) {
    if (members[i] != nullptr) continue;
    missing++;
    names += fmt::format("{}{} (serial {})", names.empty() ? "" : ", ", i,
                         std::string(sb.member_serial[i],
                                     strnlen(sb.member_serial[i], 20)));
    sb.member_state[i] = static_cast<uint8_t>(array::MemberState::kFailed);
  }
  if (missing > sb.m) {
    return Error{fmt::format("array '{}': {} members missing or failed ({}); "
                             "{} parity members cover at most {}",
                             std::string(sb.name, strnlen(sb.name, 32)), missing,
                             names, sb.m, sb.m)};
  }
  Geometry g = array::GeometryOf(sb, members[std::distance(
                                            members.begin(),
                                            std::find_if(members.begin(), members.end(),
                                                         [](Device* d) { return d; }))]
                                         ->info()
                                         .lba_size);
  auto engine = std::make_unique<Engine>(members, spares, sb, g);
  auto r = sb.parity_mode == 1 ? Result<bool>(true) : engine->Recover();
  if (!r.ok()) return r.error();
  if (sb.parity_mode == 1) {
    auto w = engine->WriteSuperblocks();
    if (!w.ok()) return w.error();
  }
  return std::unique_ptr<Array>(std::move(engine));
}

}  // namespace salix::host
