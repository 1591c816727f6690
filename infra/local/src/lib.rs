//! wecom-crm
