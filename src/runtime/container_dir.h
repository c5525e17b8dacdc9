#pragma once
// The runtime root (--root, default /run/strata) and one container's directory in it: id rules,
// creation that fails on duplicates, an exclusive lock that serialises operations on one id, and
// atomic state writes. Two roots never see each other's containers.

#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "runtime/state.h"

namespace strata::runtime {

// runc's rule: letters, digits, '_', '+', '-', '.'; not "." or "..".
Result<> validate_id(const std::string& id);

class ContainerDir {
public:
    // mkdir <root>/<id> (EEXIST -> "container already exists") and lock it.
    static Result<ContainerDir> create(const std::string& root, const std::string& id);
    // Opens and locks an existing container ("container does not exist" otherwise).
    static Result<ContainerDir> open(const std::string& root, const std::string& id);

    const std::string& id() const { return m_id; }
    const std::string& path() const { return m_path; }
    int fd() const { return m_fd.get(); }

    Result<State> load() const;
    Result<> save(const State& s) const;
    // Removes the directory and everything in it (the lock goes with the fd).
    Result<> remove();

private:
    std::string m_id, m_path;
    UniqueFd m_fd;  // O_DIRECTORY, flock()ed
};

// Container ids under `root`, sorted; a missing root has none.
Result<std::vector<std::string>> list_ids(const std::string& root);
// Reads a container's state without taking its lock (for list).
Result<State> peek_state(const std::string& root, const std::string& id);

}  // namespace strata::runtime
