"""诚信记录 in the portal's own pages for city staff (issue 11): the blacklist and the lead
bans (IntegrityRecord), listed, added and ended here; the Django admin stays for admins."""
