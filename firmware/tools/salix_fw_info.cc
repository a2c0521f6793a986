// salix-fw-info: prints the firmware's property table and command table as
// Markdown, straight from the code (salix_config_describe and opcodes.h), so
// the docs cannot drift from what the firmware accepts.
//
//   salix-fw-info properties   # | key | default | meaning |
//   salix-fw-info commands     # | set | opcode | command | effects |
#include <fmt/format.h>
#include <salix/opcodes.h>
#include <salix/salix.h>

#include <cstring>

namespace {

void Properties() {
  fmt::print("| Property | Default | Meaning |\n|---|---|---|\n");
  const char *name, *def, *help;
  for (size_t i = 0; salix_config_describe(i, &name, &def, &help); i++) {
    fmt::print("| `{}` | `{}` | {} |\n", name, *def ? def : "(empty)", help);
  }
}

void Row(const char* set, unsigned opcode, const char* name,
         unsigned effects) {
  fmt::print("| {} | {:02X}h | {} | 0x{:05x} |\n", set, opcode, name, effects);
}

void Commands() {
  fmt::print("| Set | Opcode | Command | Effects |\n|---|---|---|---|\n");
#define SALIX_ADMIN_ROW_(sym, op, name, eff) Row("Admin", op, name, eff);
#define SALIX_IO_ROW_(sym, op, name, eff) Row("I/O", op, name, eff);
  SALIX_ADMIN_COMMANDS(SALIX_ADMIN_ROW_)
  SALIX_IO_COMMANDS(SALIX_IO_ROW_)
#undef SALIX_ADMIN_ROW_
#undef SALIX_IO_ROW_
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "properties") == 0) {
    Properties();
  } else if (argc == 2 && std::strcmp(argv[1], "commands") == 0) {
    Commands();
  } else {
    fmt::print(stderr,
               "usage: {} properties|commands\n"
               "Prints the firmware's property or command table as Markdown.\n",
               argv[0]);
    return 2;
  }
  return 0;
}
