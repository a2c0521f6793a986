// salixctl_apps.h - the SSD-app commands of salixctl (salixctl_apps.cc).
#ifndef SALIX_HOST_TOOLS_SALIXCTL_APPS_H
#define SALIX_HOST_TOOLS_SALIXCTL_APPS_H

#include <string_view>
#include <vector>

namespace salixctl {

extern const std::string_view kAppsUsage;
int cmd_app(const std::vector<std::string_view>& args);
int cmd_domain(const std::vector<std::string_view>& args);
int cmd_broker(const std::vector<std::string_view>& args);

}  // namespace salixctl

#endif  // SALIX_HOST_TOOLS_SALIXCTL_APPS_H
