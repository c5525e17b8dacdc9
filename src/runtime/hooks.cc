#include "runtime/hooks.h"

#include "base/log.h"
#include "sys/run_hook.h"

namespace strata::runtime {
namespace {

Result<> run_one(const spec::Hook& h, const std::string& state, const std::string& what) {
    return sys::run_hook(h.path, h.args, h.env, h.timeout, state, what);
}

}  // namespace

Result<> run_hooks(const std::vector<spec::Hook>& hooks, const nlohmann::json& state, const std::string& kind) {
    std::string text = state.dump();
    for (size_t i = 0; i < hooks.size(); ++i) {
        log::Timer t("hook");
        STRATA_TRY(run_one(hooks[i], text, kind + " hook " + std::to_string(i) + " (" + hooks[i].path + ")"));
    }
    return {};
}

void run_hooks_warn(const std::vector<spec::Hook>& hooks, const nlohmann::json& state, const std::string& kind) {
    std::string text = state.dump();
    for (size_t i = 0; i < hooks.size(); ++i)
        if (auto r = run_one(hooks[i], text, kind + " hook " + std::to_string(i) + " (" + hooks[i].path + ")"); !r)
            log::warn(r.error().message());
}

nlohmann::json hook_state(const std::string& id, const std::string& status, pid_t pid, const std::string& bundle,
                          const std::map<std::string, std::string>& annotations) {
    nlohmann::json j{{"ociVersion", "1.2.0"}, {"id", id}, {"status", status}, {"bundle", bundle}};
    if (pid > 0) j["pid"] = pid;
    j["annotations"] = annotations.empty() ? nlohmann::json::object() : nlohmann::json(annotations);
    return j;
}

}  // namespace strata::runtime
