#include "apps/registry.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "apps/checked_flash.h"
#include "apps/ebpf/elf_loader.h"
#include "apps/ebpf/verifier.h"

namespace salix::apps {
namespace {

AppError Refuse(Status s, std::string reason) { return AppError{s, std::move(reason)}; }

Outcome Failed(Status s, std::string reason) {
  Outcome o;
  o.status = s;
  o.reason = std::move(reason);
  return o;
}

constexpr uint32_t kDefaultScratch = 64 * 1024;

}  // namespace

// Calls from one app to another, with the calling invocation's domain and
// one level deeper.
class Registry::Caller final : public AppCaller {
 public:
  Caller(Registry& r, const Domain* domain, uint64_t budget, Flash& ns, uint32_t depth)
      : r_(r), domain_(domain), budget_(budget), ns_(ns), depth_(depth) {}

  Outcome CallApp(std::string_view app, uint32_t function, std::span<const uint8_t> input,
                  std::span<uint8_t> output) override {
    Slot* s = r_.FindByName(app);
    if (s == nullptr) {
      return Failed(Status::AppNotActive(), fmt::format("no active app named '{}'", app));
    }
    if (depth_ + 1 >= kMaxCallDepth) {
      return Failed(Status::AppCallDepth(),
                    fmt::format("calls nested deeper than {}", kMaxCallDepth));
    }
    return r_.Dispatch(*s, 0, function, domain_, input, output, budget_, ns_, depth_ + 1,
                       /*from_app=*/true);
  }

 private:
  Registry& r_;
  const Domain* domain_;
  uint64_t budget_;
  Flash& ns_;
  uint32_t depth_;
};

Registry::Slot* Registry::Find(uint32_t slot) {
  if (slot < programs_.size()) return &programs_[slot];
  if (slot >= SALIX_APP_BUILTIN_SLOT_BASE && slot - SALIX_APP_BUILTIN_SLOT_BASE < builtins_.size()) {
    return &builtins_[slot - SALIX_APP_BUILTIN_SLOT_BASE];
  }
  return nullptr;
}

const Registry::Slot* Registry::Find(uint32_t slot) const {
  return const_cast<Registry*>(this)->Find(slot);
}

Registry::Slot* Registry::FindByName(std::string_view name) {
  for (Slot& s : programs_) {
    if (s.app && s.app->name() == name) return &s;
  }
  for (Slot& s : builtins_) {
    if (s.app->name() == name) return &s;
  }
  return nullptr;
}

Result<uint32_t, AppError> Registry::LoadChunk(uint32_t slot, uint32_t type, uint32_t total,
                                               uint32_t offset,
                                               std::span<const uint8_t> bytes) {
  if (slot >= programs_.size()) {
    return Err(Refuse(Status::InvalidField(),
                      fmt::format("slot {}: programs go in slots 0..{}", slot,
                                  programs_.size() - 1)));
  }
  Slot& s = programs_[slot];
  if (s.state == SALIX_APP_STATE_LOADED || s.state == SALIX_APP_STATE_ACTIVE) {
    return Err(Refuse(Status::ProgramSlotOccupied(),
                      fmt::format("slot {} holds a program: unload it first", slot)));
  }
  if (type != SALIX_PROGRAM_EBPF_ELF && type != SALIX_PROGRAM_EBPF_RAW) {
    return Err(Refuse(Status::InvalidField(), fmt::format("unknown program type {}", type)));
  }
  if (total == 0 || total > SALIX_APP_MAX_PROGRAM_BYTES) {
    return Err(Refuse(Status::InvalidField(),
                      fmt::format("program size {} bytes: 1..{} allowed", total,
                                  SALIX_APP_MAX_PROGRAM_BYTES)));
  }
  if (bytes.empty() || offset > total || bytes.size() > total - offset) {
    return Err(Refuse(Status::InvalidField(),
                      fmt::format("chunk of {} bytes at offset {} does not fit a program "
                                  "of {} bytes",
                                  bytes.size(), offset, total)));
  }
  const bool continuing = s.state == SALIX_APP_STATE_LOADING && s.type == type &&
                          s.total == total && offset == s.bytes.size();
  if (offset != 0 && !continuing) {
    return Err(Refuse(Status::InvalidField(),
                      fmt::format("chunk at offset {} does not continue a load (have {} "
                                  "of {} bytes)",
                                  offset,
                                  s.state == SALIX_APP_STATE_LOADING ? s.bytes.size() : 0,
                                  total)));
  }
  if (offset + bytes.size() < total) {
    if (offset == 0) {
      s.bytes.clear();
      s.type = type;
      s.total = total;
      s.state = SALIX_APP_STATE_LOADING;
    }
    s.bytes.insert(s.bytes.end(), bytes.begin(), bytes.end());
    return 0u;
  }
  // The last chunk: parse and verify without touching the slot, then commit.
  std::vector<uint8_t> whole;
  if (offset != 0) whole = s.bytes;
  whole.insert(whole.end(), bytes.begin(), bytes.end());
  auto drop = [&s] {
    s.state = 0;
    s.bytes.clear();
    s.bytes.shrink_to_fit();
  };
  std::optional<ebpf::Program> program;
  if (type == SALIX_PROGRAM_EBPF_ELF) {
    auto elf = ebpf::LoadElf(whole);
    if (!elf.ok()) {
      drop();
      return Err(Refuse(Status::ProgramInvalid(), "ELF: " + elf.error()));
    }
    program.emplace(std::move(elf.value().program));
  } else {
    auto raw = ebpf::Program::FromBytes(whole);
    if (!raw.ok()) {
      drop();
      return Err(Refuse(Status::ProgramInvalid(), raw.error()));
    }
    program.emplace(std::move(raw.value()));
  }
  ebpf::VerifierOptions vo;
  vo.max_insns = options_.verifier_max_insns;
  auto verified = ebpf::Verify(*program, vo);
  if (!verified.ok()) {
    drop();
    return Err(Refuse(Status::ProgramInvalid(), "verifier: " + verified.error().ToString()));
  }
  drop();
  s.type = type;
  s.total = total;
  s.insns = static_cast<uint32_t>(program->insns().size());
  s.program = std::move(program);
  s.state = SALIX_APP_STATE_LOADED;
  s.stats = {};
  return s.insns;
}

std::optional<AppError> Registry::Unload(uint32_t slot) {
  if (slot >= programs_.size()) {
    return Refuse(Status::InvalidField(), fmt::format("slot {} is not a program slot", slot));
  }
  Slot& s = programs_[slot];
  if (s.state == SALIX_APP_STATE_ACTIVE) {
    return Refuse(Status::ProgramActive(),
                  fmt::format("slot {} is active: deactivate it first", slot));
  }
  if (s.state == 0) return Refuse(Status::ProgramSlotEmpty(), fmt::format("slot {} is empty", slot));
  s = Slot{};
  return std::nullopt;
}

std::optional<AppError> Registry::Activate(uint32_t slot, std::string name,
                                           uint32_t scratch_bytes, bool exported) {
  if (slot >= programs_.size()) {
    return Refuse(Status::InvalidField(), fmt::format("slot {} is not a program slot", slot));
  }
  Slot& s = programs_[slot];
  if (s.state == SALIX_APP_STATE_ACTIVE) {
    return Refuse(Status::ProgramSlotOccupied(), fmt::format("slot {} is already active", slot));
  }
  if (s.state != SALIX_APP_STATE_LOADED) {
    return Refuse(Status::ProgramSlotEmpty(),
                  fmt::format("slot {} holds no complete program", slot));
  }
  if (name.empty()) name = fmt::format("slot{}", slot);
  for (char c : name) {
    if (c < 0x21 || c > 0x7e) {
      return Refuse(Status::InvalidField(), "app names are printable ASCII without spaces");
    }
  }
  if (FindByName(name) != nullptr) {
    return Refuse(Status::AppNameInUse(), fmt::format("an app named '{}' exists", name));
  }
  if (scratch_bytes == 0) scratch_bytes = kDefaultScratch;
  ebpf::VerifierOptions vo;
  vo.max_insns = options_.verifier_max_insns;
  vo.scratch_size = scratch_bytes;
  auto verified = ebpf::Verify(*s.program, vo);  // again, knowing the scratch size
  if (!verified.ok()) {
    return Refuse(Status::ProgramInvalid(), "verifier: " + verified.error().ToString());
  }
  ebpf::Interpreter::Options io;
  io.scratch_size = scratch_bytes;
  auto interp = ebpf::Interpreter::Create(verified.value(), io);
  if (!interp.ok()) return Refuse(Status::InvalidField(), interp.error());
  auto app = std::make_unique<EbpfApp>(std::move(name), std::move(interp.value()), exported);
  s.ebpf = app.get();
  s.app = std::move(app);
  s.exported = exported;
  s.state = SALIX_APP_STATE_ACTIVE;
  return std::nullopt;
}

std::optional<AppError> Registry::Deactivate(uint32_t slot) {
  if (slot >= programs_.size()) {
    return Refuse(Status::InvalidField(), fmt::format("slot {} is not a program slot", slot));
  }
  Slot& s = programs_[slot];
  if (s.state != SALIX_APP_STATE_ACTIVE) {
    return Refuse(Status::AppNotActive(), fmt::format("slot {} is not active", slot));
  }
  s.app.reset();
  s.ebpf = nullptr;
  s.state = SALIX_APP_STATE_LOADED;
  return std::nullopt;
}

Result<uint32_t, AppError> Registry::RegisterBuiltin(std::unique_ptr<App> app, Flash& ns) {
  if (builtins_.size() >= SALIX_APP_LOG_MAX_ENTRIES - SALIX_APP_PROGRAM_SLOTS) {
    return Err(Refuse(Status::InternalError(), "too many built-in apps"));
  }
  if (app->name().empty() || app->name().size() > SALIX_APP_NAME_LEN ||
      FindByName(app->name()) != nullptr) {
    return Err(Refuse(Status::AppNameInUse(),
                      fmt::format("built-in app name '{}' is empty, too long or taken",
                                  app->name())));
  }
  Slot s;
  s.state = SALIX_APP_STATE_BUILTIN;
  s.private_lbas = app->private_lbas();
  if (s.private_lbas > 0) {
    if (s.private_lbas > ns.lba_count() / 2 ||
        reserved_lbas_ + s.private_lbas > ns.lba_count() / 2) {
      return Err(Refuse(Status::CapacityExceeded(),
                        fmt::format("app '{}' wants {} private LBAs of {}", app->name(),
                                    s.private_lbas, ns.lba_count())));
    }
    reserved_lbas_ += s.private_lbas;
    s.private_first = ns.lba_count() - reserved_lbas_;
    reserved_.push_back(LbaRange{s.private_first, s.private_lbas, kRightReadWrite});
  }
  WindowFlash window(ns, s.private_first, s.private_lbas);
  if (Status st = app->Recover(window, ns); !st.ok()) {
    if (s.private_lbas > 0) {  // leave nothing behind
      reserved_.pop_back();
      reserved_lbas_ -= s.private_lbas;
    }
    return Err(Refuse(st, fmt::format("app '{}' failed to recover", app->name())));
  }
  s.app = std::move(app);
  builtins_.push_back(std::move(s));
  return static_cast<uint32_t>(SALIX_APP_BUILTIN_SLOT_BASE + builtins_.size() - 1);
}

Outcome Registry::Invoke(const InvokeRequest& req, Flash& ns) {
  const Domain* domain = nullptr;
  if (!req.token.zero()) {
    auto d = domains_.Find(req.token);
    if (!d.ok()) return Failed(d.error().status, d.error().reason);
    domain = d.value();
  }
  Slot* s = Find(req.slot);
  if (s == nullptr || s->state == 0) {
    return Failed(Status::ProgramSlotEmpty(), fmt::format("slot {} holds no app", req.slot));
  }
  if (!s->app) {
    return Failed(Status::AppNotActive(),
                  fmt::format("slot {} holds a program that is not active", req.slot));
  }
  uint64_t budget = req.budget == 0 ? options_.default_budget : req.budget;
  budget = std::min(budget, options_.max_budget);
  return Dispatch(*s, req.slot, req.function, domain, req.input, req.output, budget, ns, 0,
                  /*from_app=*/false);
}

Outcome Registry::Dispatch(Slot& s, uint32_t slot, uint32_t function, const Domain* domain,
                           std::span<const uint8_t> input, std::span<uint8_t> output,
                           uint64_t budget, Flash& ns, uint32_t depth, bool from_app) {
  (void)slot;
  const FunctionInfo* f = nullptr;
  for (const FunctionInfo& fi : s.app->functions()) {
    if (fi.id == function) f = &fi;
  }
  if (f == nullptr) {
    return Failed(Status::AppFunctionInvalid(),
                  fmt::format("app '{}' has no function {}", s.app->name(), function));
  }
  if (from_app && (!f->exported || !s.exported)) {
    return Failed(Status::AppFunctionInvalid(),
                  fmt::format("function {} ({}) of app '{}' is not exported to other apps",
                              function, f->name, s.app->name()));
  }
  if (input.size() < f->min_input || input.size() > f->max_input) {
    return Failed(Status::AppInputSize(),
                  fmt::format("function {} ({}) of app '{}' takes {}..{} input bytes, got {}",
                              function, f->name, s.app->name(), f->min_input, f->max_input,
                              input.size()));
  }
  CheckedFlash checked(ns, domain);
  std::optional<WindowFlash> priv;
  if (s.private_lbas > 0) priv.emplace(ns, s.private_first, s.private_lbas);
  Caller caller(*this, domain, budget, ns, depth);
  struct Call call;
  call.function = function;
  call.input = input;
  call.output = output;
  call.domain = domain;
  call.flash = &checked;
  call.private_flash = priv ? &*priv : nullptr;
  call.caller = &caller;
  if (s.ebpf != nullptr) s.ebpf->set_budget(budget);
  const uint64_t t0 = ns.now_ns();
  Outcome o = s.app->Call(call);
  if (o.output_len > output.size()) {
    o.status = Status::InternalError();
    o.reason = fmt::format("app '{}' claimed {} output bytes of {}", s.app->name(),
                           o.output_len, output.size());
    o.output_len = 0;
  }
  if (o.status == Status::AppAccessDenied() && o.reason.empty()) o.reason = checked.refusal();
  AppStats& st = s.stats;
  st.calls++;
  if (!o.status.ok()) st.errors++;
  st.instructions += o.stats.instructions;
  st.lbas_read += checked.lbas_read();
  st.lbas_written += checked.lbas_written();
  st.device_ns += ns.now_ns() - t0;
  if (!o.status.ok() && !o.reason.empty() && depth == 0) {
    o.reason = fmt::format("app '{}' function {}: {}", s.app->name(), function, o.reason);
  }
  return o;
}

void Registry::FillLog(salix_app_log* out) const {
  std::memset(out, 0, sizeof(*out));
  std::memcpy(out->magic, SALIX_APP_LOG_MAGIC, sizeof(out->magic));
  out->version = SALIX_APP_LOG_VERSION;
  out->domains = domains_.size();
  auto put = [out](uint32_t slot, const Slot& s) {
    if (s.state == 0 || out->count >= SALIX_APP_LOG_MAX_ENTRIES) return;
    salix_app_log_entry& e = out->entries[out->count++];
    e.slot = static_cast<uint16_t>(slot);
    e.state = s.state;
    e.type = static_cast<uint8_t>(s.state == SALIX_APP_STATE_BUILTIN ? 0 : s.type);
    if (s.app) {
      e.functions = static_cast<uint16_t>(s.app->functions().size());
      std::string_view n = s.app->name();
      std::memcpy(e.name, n.data(), std::min<size_t>(n.size(), sizeof(e.name)));
      if (s.ebpf) e.scratch_bytes = s.ebpf->scratch_size();
    }
    e.flags = s.exported ? 0 : SALIX_APP_FLAG_PRIVATE;
    e.program_insns = s.insns;
    e.calls = s.stats.calls;
    e.errors = s.stats.errors;
    e.instructions = s.stats.instructions;
    e.lbas_read = s.stats.lbas_read;
    e.lbas_written = s.stats.lbas_written;
    e.device_ns = s.stats.device_ns;
    e.private_lbas = s.private_lbas;
  };
  for (uint32_t i = 0; i < programs_.size(); i++) put(i, programs_[i]);
  for (uint32_t i = 0; i < builtins_.size(); i++) {
    put(SALIX_APP_BUILTIN_SLOT_BASE + i, builtins_[i]);
  }
}

bool Registry::FillFunctions(uint32_t slot, salix_app_functions_log* out) const {
  std::memset(out, 0, sizeof(*out));
  const Slot* s = Find(slot);
  if (s == nullptr || !s->app) return false;
  out->slot = static_cast<uint16_t>(slot);
  for (const FunctionInfo& f : s->app->functions()) {
    if (out->count >= SALIX_APP_FUNCTIONS_MAX) break;
    salix_app_function_entry& e = out->entries[out->count++];
    e.id = f.id;
    e.min_input = f.min_input;
    e.max_input = f.max_input;
    e.flags = (f.exported && s->exported) ? SALIX_FUNCTION_EXPORTED : 0;
    std::memcpy(e.name, f.name.data(), std::min<size_t>(f.name.size(), sizeof(e.name)));
  }
  return true;
}

const AppStats* Registry::stats(uint32_t slot) const {
  const Slot* s = Find(slot);
  return s ? &s->stats : nullptr;
}

App* Registry::app(uint32_t slot) {
  Slot* s = Find(slot);
  return s ? s->app.get() : nullptr;
}

}  // namespace salix::apps
