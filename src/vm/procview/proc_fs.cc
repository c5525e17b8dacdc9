#define FUSE_USE_VERSION 31
#include "vm/procview/proc_fs.h"

#include <fcntl.h>
#include <fuse3/fuse_lowlevel.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

#include "base/log.h"
#include "base/strings.h"
#include "dynlib/dynlib.h"
#include "sys/clock.h"
#include "sys/file.h"
#include "sys/mount.h"
#include "vm/procview/proc_files.h"

namespace strata::vm::procview {
namespace fuse_lib {

// libfuse's entry points, bound from the header's own prototypes.
struct Lib {
    dynlib::DynLib dl;
    decltype(&::fuse_session_new) session_new = nullptr;
    decltype(&::fuse_session_mount) session_mount = nullptr;
    decltype(&::fuse_session_loop) session_loop = nullptr;
    decltype(&::fuse_session_destroy) session_destroy = nullptr;
    decltype(&::fuse_req_userdata) req_userdata = nullptr;
    decltype(&::fuse_reply_err) reply_err = nullptr;
    decltype(&::fuse_reply_entry) reply_entry = nullptr;
    decltype(&::fuse_reply_attr) reply_attr = nullptr;
    decltype(&::fuse_reply_open) reply_open = nullptr;
    decltype(&::fuse_reply_buf) reply_buf = nullptr;
    decltype(&::fuse_reply_readlink) reply_readlink = nullptr;
    decltype(&::fuse_add_direntry) add_direntry = nullptr;
};

Result<const Lib*> lib() {
    static std::optional<Result<Lib*>> loaded;
    if (!loaded) {
        loaded = [&]() -> Result<Lib*> {
            auto dl = STRATA_TRY(dynlib::DynLib::open("libfuse3.so.3", "libfuse3-3"));
            auto* l = new Lib{std::move(dl)};  // lives as long as the process: callbacks use it
            STRATA_TRY(l->dl.bind(l->session_new, "fuse_session_new"));
            STRATA_TRY(l->dl.bind(l->session_mount, "fuse_session_mount"));
            STRATA_TRY(l->dl.bind(l->session_loop, "fuse_session_loop"));
            STRATA_TRY(l->dl.bind(l->session_destroy, "fuse_session_destroy"));
            STRATA_TRY(l->dl.bind(l->req_userdata, "fuse_req_userdata"));
            STRATA_TRY(l->dl.bind(l->reply_err, "fuse_reply_err"));
            STRATA_TRY(l->dl.bind(l->reply_entry, "fuse_reply_entry"));
            STRATA_TRY(l->dl.bind(l->reply_attr, "fuse_reply_attr"));
            STRATA_TRY(l->dl.bind(l->reply_open, "fuse_reply_open"));
            STRATA_TRY(l->dl.bind(l->reply_buf, "fuse_reply_buf"));
            STRATA_TRY(l->dl.bind(l->reply_readlink, "fuse_reply_readlink"));
            STRATA_TRY(l->dl.bind(l->add_direntry, "fuse_add_direntry"));
            return l;
        }();
    }
    if (!*loaded) return std::unexpected(loaded->error());
    return **loaded;
}

}  // namespace fuse_lib
namespace {
using fuse_lib::Lib;
using fuse_lib::lib;

// Inodes: 1 the root, 2 /stat; a process's are (pid << 8) | kind.
enum Kind : uint64_t { dir = 1, stat = 2, status = 3, cmdline = 4, comm = 5, ns_dir = 6, ns_pid = 7 };
constexpr fuse_ino_t kStatIno = 2;
constexpr uint64_t kMaxAgeMs = 1000;

fuse_ino_t ino_of(uint32_t pid, Kind k) { return (static_cast<uint64_t>(pid) << 8) | k; }
uint32_t pid_of(fuse_ino_t ino) { return static_cast<uint32_t>(ino >> 8); }
Kind kind_of(fuse_ino_t ino) { return static_cast<Kind>(ino & 0xff); }

struct Name {
    const char* name;
    Kind kind;
};
constexpr Name kProcessEntries[] = {{"stat", stat}, {"status", status}, {"cmdline", cmdline}, {"comm", comm}, {"ns", ns_dir}};

}  // namespace

struct ProcFs::State {
    Ask ask;
    const Lib* lib = nullptr;
    std::optional<agent::GuestProcesses> answer;
    int64_t asked_ms = 0;  // monotonic, when `answer` came
    int64_t answered_s = 0;  // wall clock, when `answer` came
    int last_error = 0;

    // Asks the guest; false (and last_error) if it could not answer.
    bool refresh() {
        auto a = ask();
        if (!a) {
            last_error = a.error().code ? a.error().code : EIO;
            log::debug("procview: the guest's processes: " + a.error().message());
            answer.reset();
            return false;
        }
        answer = std::move(*a);
        asked_ms = sys::monotonic_ms();
        answered_s = ::time(nullptr);
        return true;
    }
    bool fresh_enough() {
        if (answer && sys::monotonic_ms() - asked_ms <= static_cast<int64_t>(kMaxAgeMs)) return true;
        return refresh();
    }
    const agent::GuestProcess* find(uint32_t pid) const {
        if (!answer) return nullptr;
        for (const auto& p : answer->list)
            if (p.pid == pid) return &p;
        return nullptr;
    }
};

namespace {

ProcFs::State& state_of(fuse_req_t req) {
    // The callbacks run only after create() loaded the library; req_userdata is that State.
    static const Lib* l = *lib();
    return *static_cast<ProcFs::State*>(l->req_userdata(req));
}

struct stat attributes(fuse_ino_t ino, const ProcFs::State& s) {
    struct stat st{};
    st.st_ino = ino;
    st.st_uid = 0;
    st.st_gid = 0;
    st.st_atime = st.st_mtime = st.st_ctime = s.answered_s;
    Kind k = ino == FUSE_ROOT_ID ? dir : ino == kStatIno ? stat : kind_of(ino);
    if (ino == FUSE_ROOT_ID || k == dir || k == ns_dir) {
        st.st_mode = S_IFDIR | 0555;
        st.st_nlink = 2;
    } else if (k == ns_pid) {
        st.st_mode = S_IFLNK | 0777;
        st.st_nlink = 1;
    } else {
        // Size 0, as procfs says: readers read to EOF (the files are opened direct_io).
        st.st_mode = S_IFREG | 0444;
        st.st_nlink = 1;
    }
    return st;
}

// Whether `ino` names something in the current answer.
bool exists(ProcFs::State& s, fuse_ino_t ino) {
    if (ino == FUSE_ROOT_ID || ino == kStatIno) return true;
    return s.fresh_enough() && s.find(pid_of(ino)) != nullptr;
}

void reply_entry(fuse_req_t req, ProcFs::State& s, fuse_ino_t ino) {
    fuse_entry_param e{};
    e.ino = ino;
    e.attr = attributes(ino, s);
    e.attr_timeout = 0;  // every look is a fresh one: processes come and go
    e.entry_timeout = 0;
    s.lib->reply_entry(req, &e);
}

void on_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
    ProcFs::State& s = state_of(req);
    std::string_view n(name);
    if (parent == FUSE_ROOT_ID) {
        if (n == "stat") return reply_entry(req, s, kStatIno);
        auto pid = parse_uint(n);
        if (!pid || *pid == 0 || *pid > UINT32_MAX) return (void)s.lib->reply_err(req, ENOENT);
        if (!s.fresh_enough()) return (void)s.lib->reply_err(req, s.last_error);
        if (!s.find(static_cast<uint32_t>(*pid))) return (void)s.lib->reply_err(req, ENOENT);
        return reply_entry(req, s, ino_of(static_cast<uint32_t>(*pid), dir));
    }
    uint32_t pid = pid_of(parent);
    if (!exists(s, parent)) return (void)s.lib->reply_err(req, ENOENT);
    if (kind_of(parent) == dir) {
        for (const auto& e : kProcessEntries)
            if (n == e.name) return reply_entry(req, s, ino_of(pid, e.kind));
    } else if (kind_of(parent) == ns_dir && n == "pid") {
        return reply_entry(req, s, ino_of(pid, ns_pid));
    }
    s.lib->reply_err(req, ENOENT);
}

void on_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
    ProcFs::State& s = state_of(req);
    if (!exists(s, ino)) return (void)s.lib->reply_err(req, ENOENT);
    struct stat st = attributes(ino, s);
    s.lib->reply_attr(req, &st, 0);
}

void on_readlink(fuse_req_t req, fuse_ino_t ino) {
    ProcFs::State& s = state_of(req);
    if (kind_of(ino) != ns_pid || !exists(s, ino)) return (void)s.lib->reply_err(req, ENOENT);
    s.lib->reply_readlink(req, s.answer->pid_ns.c_str());
}

void on_opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    ProcFs::State& s = state_of(req);
    // A listing of the root is a new look at the guest: ps(1)-like readers start with one.
    if (ino == FUSE_ROOT_ID && !s.refresh()) return (void)s.lib->reply_err(req, s.last_error);
    if (!exists(s, ino)) return (void)s.lib->reply_err(req, ENOENT);
    s.lib->reply_open(req, fi);
}

void on_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info*) {
    ProcFs::State& s = state_of(req);
    std::vector<std::pair<std::string, fuse_ino_t>> entries = {{".", ino}, {"..", FUSE_ROOT_ID}};
    if (ino == FUSE_ROOT_ID) {
        entries.emplace_back("stat", kStatIno);
        if (s.answer)
            for (const auto& p : s.answer->list) entries.emplace_back(std::to_string(p.pid), ino_of(p.pid, dir));
    } else if (kind_of(ino) == dir) {
        for (const auto& e : kProcessEntries) entries.emplace_back(e.name, ino_of(pid_of(ino), e.kind));
    } else if (kind_of(ino) == ns_dir) {
        entries.emplace_back("pid", ino_of(pid_of(ino), ns_pid));
    } else {
        return (void)s.lib->reply_err(req, ENOTDIR);
    }
    std::string buf(size, '\0');
    size_t used = 0;
    for (size_t i = static_cast<size_t>(std::max<off_t>(off, 0)); i < entries.size(); ++i) {
        struct stat st = attributes(entries[i].second, s);
        size_t need = s.lib->add_direntry(req, buf.data() + used, size - used, entries[i].first.c_str(), &st,
                                          static_cast<off_t>(i + 1));
        if (need > size - used) break;
        used += need;
    }
    s.lib->reply_buf(req, buf.data(), used);
}

void on_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    ProcFs::State& s = state_of(req);
    if ((fi->flags & O_ACCMODE) != O_RDONLY) return (void)s.lib->reply_err(req, EACCES);
    if (!s.fresh_enough()) return (void)s.lib->reply_err(req, s.last_error);
    std::string text;
    if (ino == kStatIno) {
        text = stat_summary_file(*s.answer, s.answered_s);
    } else {
        const agent::GuestProcess* p = s.find(pid_of(ino));
        if (!p) return (void)s.lib->reply_err(req, ENOENT);
        switch (kind_of(ino)) {
            case stat: text = stat_file(*p); break;
            case status: text = status_file(*p); break;
            case cmdline: text = cmdline_file(*p); break;
            case comm: text = p->comm + "\n"; break;
            default: return (void)s.lib->reply_err(req, EISDIR);
        }
    }
    // The content is fixed at open, as a read of procfs sees one moment.
    fi->fh = reinterpret_cast<uint64_t>(new std::string(std::move(text)));
    fi->direct_io = 1;
    fi->keep_cache = 0;
    s.lib->reply_open(req, fi);
}

void on_read(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
    ProcFs::State& s = state_of(req);
    const auto* text = reinterpret_cast<const std::string*>(fi->fh);
    size_t from = std::min(static_cast<size_t>(std::max<off_t>(off, 0)), text->size());
    s.lib->reply_buf(req, text->data() + from, std::min(size, text->size() - from));
}

void on_release(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
    ProcFs::State& s = state_of(req);
    delete reinterpret_cast<std::string*>(fi->fh);
    s.lib->reply_err(req, 0);
}

}  // namespace

Result<std::unique_ptr<ProcFs>> ProcFs::create(Ask ask) {
    const Lib* l = STRATA_TRY(with_context(lib(), "procview"));
    std::unique_ptr<ProcFs> fs(new ProcFs());
    fs->m_state = std::make_unique<State>();
    fs->m_state->ask = std::move(ask);
    fs->m_state->lib = l;
    fs->m_fuse = STRATA_TRY(with_context(sys::open("/dev/fuse", O_RDWR | O_CLOEXEC), "procview"));
    static const fuse_lowlevel_ops ops = [] {
        fuse_lowlevel_ops o{};
        o.lookup = on_lookup;
        o.getattr = on_getattr;
        o.readlink = on_readlink;
        o.opendir = on_opendir;
        o.readdir = on_readdir;
        o.open = on_open;
        o.read = on_read;
        o.release = on_release;
        return o;
    }();
    char prog[] = "strata";
    char* argv[] = {prog, nullptr};
    fuse_args args = FUSE_ARGS_INIT(1, argv);
    fs->m_session = l->session_new(&args, &ops, sizeof ops, fs->m_state.get());
    if (!fs->m_session) return error("procview: libfuse could not create a session");
    return fs;
}

Result<> ProcFs::mount_on(int dir_fd) {
    std::string data = "fd=" + std::to_string(m_fuse.get()) + ",rootmode=40555,user_id=0,group_id=0,allow_other";
    STRATA_TRY(sys::mount_on_fd("strata-proc", dir_fd, "fuse.strata-proc", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                                data, "procview: the guest's /proc"));
    // libfuse gets a copy of the connection's fd, which it owns from here on.
    int copy = ::fcntl(m_fuse.get(), F_DUPFD_CLOEXEC, 3);
    if (copy < 0) return os_error(errno, "procview: dup the FUSE connection");
    std::string fd_path = "/dev/fd/" + std::to_string(copy);
    if (m_state->lib->session_mount(m_session, fd_path.c_str()) != 0) {
        ::close(copy);
        return error("procview: libfuse refused the connection " + fd_path);
    }
    return {};
}

void ProcFs::serve() {
    m_thread = std::thread([this] {
        int rc = m_state->lib->session_loop(m_session);
        if (rc < 0) log::debug("procview: the FUSE loop ended: " + Error{-rc, "fuse_session_loop"}.message());
    });
}

void ProcFs::stop(const std::string& dir) {
    if (::umount2(dir.c_str(), MNT_DETACH) < 0) log::debug("procview: umount " + dir + ": " + Error{errno, "umount2"}.message());
    if (m_thread.joinable()) m_thread.join();
}

ProcFs::~ProcFs() {
    if (m_thread.joinable()) {
        // Still serving (stop() was not called): the thread goes on using the session and the
        // state, so both stay for the rest of the process.
        m_thread.detach();
        (void)m_state.release();
        return;
    }
    if (m_session) m_state->lib->session_destroy(m_session);
}

}  // namespace strata::vm::procview
