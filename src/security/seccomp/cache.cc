#include "security/seccomp/cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/log.h"
#include "base/strings.h"
#include "security/seccomp/names.h"
#include "sys/file.h"

namespace strata::security::seccomp {
namespace {

using json = nlohmann::json;

constexpr int kFormat = 1;          // bump when the entry layout changes
constexpr size_t kMaxEntries = 64;  // beyond this the directory is emptied and starts over

json args_json(const std::vector<spec::SeccompArg>& args) {
    json out = json::array();
    for (const auto& a : args) out.push_back({a.index, a.value, a.value_two, a.op});
    return out;
}

// Everything compile()'s result depends on. The strata binary's identity stands for the
// compiler's code: a rebuilt strata never reuses an older build's entries.
std::string cache_key(const spec::Seccomp& c) {
    json syscalls = json::array();
    for (const auto& s : c.syscalls)
        syscalls.push_back({s.names, s.action, s.errno_ret ? json(*s.errno_ret) : json(), args_json(s.args)});
    utsname u{};
    ::uname(&u);
    struct stat exe{};
    ::stat("/proc/self/exe", &exe);
    json key = {
        kFormat,
        libseccomp_version(),
        std::string(u.release) + " " + u.version + " " + u.machine,
        {exe.st_dev, exe.st_ino, exe.st_size, exe.st_mtim.tv_sec, exe.st_mtim.tv_nsec},
        c.default_action,
        c.default_errno_ret ? json(*c.default_errno_ret) : json(),
        c.architectures,
        c.flags,
        // The listener's path and metadata do not change the program, only whether it
        // compiles: per-container sockets must not each need an entry.
        {!c.listener_path.empty(), c.listener_path.starts_with('/'), !c.listener_metadata.empty()},
        syscalls,
    };
    return key.dump();
}

uint64_t fnv1a(std::string_view bytes) {
    uint64_t h = 1469598103934665603ULL;
    for (unsigned char ch : bytes) h = (h ^ ch) * 1099511628211ULL;
    return h;
}

std::string entry_name(const std::string& key) {
    // Only spreads entries over file names; the stored key decides whether an entry matches.
    char name[24];
    std::snprintf(name, sizeof name, "%016llx", static_cast<unsigned long long>(fnv1a(key)));
    return name;
}

std::string_view code_bytes(const std::vector<sock_filter>& code) {
    return {reinterpret_cast<const char*>(code.data()), code.size() * sizeof(sock_filter)};
}

// Entry: one JSON line {"key","flags","skipped","insns","sum"}, then the BPF instructions as
// stored in memory. Two creates may write the same entry at once and a reader may see it half
// written: the instruction count and checksum make such a reader recompile instead.
// Field accessors that never throw: an entry may be anything.
const json* field(const json& j, const char* k) {
    auto it = j.find(k);
    return it == j.end() ? nullptr : &*it;
}
bool is_uint(const json* v, uint64_t want) { return v && v->is_number_unsigned() && v->get<uint64_t>() == want; }

std::optional<Program> read_entry(int dirfd, const std::string& name, const std::string& key) {
    auto text = sys::read_file_at(dirfd, name);
    if (!text) return std::nullopt;
    size_t nl = text->find('\n');
    if (nl == std::string::npos) return std::nullopt;
    json head = json::parse(text->substr(0, nl), nullptr, false);
    if (!head.is_object()) return std::nullopt;
    const json* stored_key = field(head, "key");
    if (!stored_key || !stored_key->is_string() || stored_key->get_ref<const std::string&>() != key) return std::nullopt;
    size_t bytes = text->size() - nl - 1;
    if (bytes == 0 || bytes % sizeof(sock_filter) != 0 || bytes / sizeof(sock_filter) > BPF_MAXINSNS) return std::nullopt;
    Program p;
    p.code.resize(bytes / sizeof(sock_filter));
    std::copy(text->begin() + static_cast<long>(nl) + 1, text->end(), reinterpret_cast<char*>(p.code.data()));
    const json* flags = field(head, "flags");
    const json* skipped = field(head, "skipped");
    if (!flags || !flags->is_number_unsigned() || !skipped || !skipped->is_array()) return std::nullopt;
    if (!is_uint(field(head, "insns"), p.code.size()) || !is_uint(field(head, "sum"), fnv1a(code_bytes(p.code))))
        return std::nullopt;
    p.flags = flags->get<unsigned>();
    for (const auto& s : *skipped) {
        if (!s.is_string()) return std::nullopt;
        p.skipped.push_back(s.get<std::string>());
    }
    return p;
}

void evict_if_full(int dirfd, const std::string& dir) {
    DIR* d = ::opendir(dir.c_str());
    if (!d) return;
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d))
        if (e->d_name[0] != '.') names.push_back(e->d_name);
    ::closedir(d);
    if (names.size() < kMaxEntries) return;
    for (const auto& n : names) ::unlinkat(dirfd, n.c_str(), 0);
}

}  // namespace

Result<Program> compile_cached(const spec::Seccomp& config, const std::string& file, const std::string& dir) {
    if (::mkdir(dir.c_str(), 0700) < 0 && errno != EEXIST) {
        log::debug("seccomp cache " + quote(dir) + " unavailable: " + std::strerror(errno));
        return compile(config, file);
    }
    auto dirfd = sys::open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (!dirfd) return compile(config, file);
    std::string key = cache_key(config);
    std::string name = entry_name(key);
    if (auto hit = read_entry(dirfd->get(), name, key)) {
        hit->listener_path = config.listener_path;
        hit->listener_metadata = config.listener_metadata;
        if (!hit->skipped.empty())
            log::warn("seccomp: skipped syscalls unknown to libseccomp " + libseccomp_version() + ": " + join(hit->skipped, ", "));
        return std::move(*hit);
    }
    Program p = STRATA_TRY(compile(config, file));
    evict_if_full(dirfd->get(), dir);
    json head = {{"key", key}, {"flags", p.flags}, {"skipped", p.skipped}, {"insns", p.code.size()},
                 {"sum", fnv1a(code_bytes(p.code))}};
    std::string data = head.dump() + "\n";
    data.append(code_bytes(p.code));
    auto wrote = sys::write_file_atomic(dirfd->get(), name, data, 0600);
    if (!wrote) log::debug("seccomp cache: " + wrote.error().message());
    return p;
}

}  // namespace strata::security::seccomp
