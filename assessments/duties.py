"""The three administrator duties of 等保 level 3 (三员分立), as Django groups.

- 系统管理员 (system): accounts, organisations, roles, years and projects.
- 安全管理员 (security): second factors (enrolment codes, removing a lost device) and
  sign-in locks; sees who the accounts are, changes none.
- 审计管理员 (audit): reads the records: sign-ins and failures, the admin's own log, the
  tables' and the desks' event logs; changes nothing.

Migration 0016_auth_duties creates the groups with these permissions; a superuser (kept for
installation) gives each duty to a different person. docs/security.md describes the split.
"""

SYSTEM = "系统管理员"
SECURITY = "安全管理员"
AUDIT = "审计管理员"

PERMISSIONS = {
    SYSTEM: [
        "auth.add_user",
        "auth.change_user",
        "auth.view_user",
        "assessments.add_organisation",
        "assessments.change_organisation",
        "assessments.view_organisation",
        "assessments.add_membership",
        "assessments.change_membership",
        "assessments.delete_membership",
        "assessments.view_membership",
        "assessments.add_reportingyear",
        "assessments.change_reportingyear",
        "assessments.view_reportingyear",
        "assessments.add_project",
        "assessments.change_project",
        "assessments.view_project",
    ],
    SECURITY: [
        "auth.view_user",
        "assessments.add_enrolmentcode",
        "assessments.view_enrolmentcode",
        "otp_totp.view_totpdevice",
        "otp_totp.delete_totpdevice",
        "otp_static.view_staticdevice",
        "otp_static.delete_staticdevice",
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "assessments.view_signingkey",
    ],
    AUDIT: [
        "axes.view_accesslog",
        "axes.view_accessfailurelog",
        "admin.view_logentry",
        "assessments.view_assessmentevent",
        "assessments.view_organisationevent",
        "assessments.view_bureauevent",
        "assessments.view_enrolmentcode",
    ],
}
