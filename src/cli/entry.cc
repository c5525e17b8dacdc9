// The process entry point, apart from the CLI library so that the test-only `strata-faults`
// (tests/faults) is the same program plus its fault hook.
#include "cli/command.h"

int main(int argc, char** argv) { return strata::cli::main(argc, argv); }
