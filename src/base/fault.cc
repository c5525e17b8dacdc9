#include "base/fault.h"

namespace strata::fault {

Hook g_hook = nullptr;

}  // namespace strata::fault
