#include "trace/trace-hw_salix.h"
