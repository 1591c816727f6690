//! `PATCH /api/customers/{external_userid}/relationships/{userid}`: the remark, description and
//! remark phone numbers a member keeps for a customer, edited in WeCom (`externalcontact/remark`)
//! and then locally — WeCom sends no callback for changes made through the API.
//!
//! Remark phones are personal data: they are answered to the console but never written to logs
//! or to the audit log (which names the changed fields only).

use axum::Json;
use axum::extract::{Extension, State};
use crm::model::RelationshipStatus;
use serde::Deserialize;
use utoipa::ToSchema;
use wecom_api::model::{MAX_DESCRIPTION_CHARS, MAX_REMARK_CHARS, Remark};

use super::views::RelationshipView;
use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorBody};
use crate::state::AdminState;
use wecom_api::{WeComError, errcode};

/// How many remark phones the console accepts for one relationship (the WeCom client shows at
/// most five).
pub const MAX_REMARK_MOBILES: usize = 5;

/// What to change; an absent field is left as it is in WeCom.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemarkPatch {
    /// The member's remark (name) for the customer, at most 20 characters.
    pub remark: Option<String>,
    /// Description, at most 150 characters.
    pub description: Option<String>,
    /// Remark phone numbers (at most 5); replaces the current list, `[]` clears it.
    pub remark_mobiles: Option<Vec<String>>,
}

/// A remark phone: digits, optionally a leading `+` and `-` separators, 5 to 20 characters.
pub fn valid_remark_mobile(s: &str) -> bool {
    let len = s.chars().count();
    if !(5..=20).contains(&len) {
        return false;
    }
    let body = s.strip_prefix('+').unwrap_or(s);
    body.starts_with(|c: char| c.is_ascii_digit())
        && body.chars().all(|c| c.is_ascii_digit() || c == '-')
}

struct Checked {
    remark: Option<String>,
    description: Option<String>,
    remark_mobiles: Option<Vec<String>>,
}

fn check(req: RemarkPatch) -> Result<Checked, ApiError> {
    if req.remark.is_none() && req.description.is_none() && req.remark_mobiles.is_none() {
        return Err(ApiError::bad_request(
            "请至少修改备注名、描述或备注手机号中的一项",
        ));
    }
    let remark = req.remark.map(|r| r.trim().to_owned());
    if remark
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_REMARK_CHARS)
    {
        return Err(ApiError::invalid_field(
            "remark",
            format!("备注名最多 {MAX_REMARK_CHARS} 个字"),
        ));
    }
    let description = req.description.map(|d| d.trim().to_owned());
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_CHARS)
    {
        return Err(ApiError::invalid_field(
            "description",
            format!("描述最多 {MAX_DESCRIPTION_CHARS} 个字"),
        ));
    }
    let remark_mobiles = match req.remark_mobiles {
        None => None,
        Some(list) => {
            let mut phones: Vec<String> = Vec::new();
            for phone in list.iter().map(|p| p.trim()) {
                if phone.is_empty() {
                    continue;
                }
                if !valid_remark_mobile(phone) {
                    return Err(ApiError::invalid_field(
                        "remark_mobiles",
                        "备注手机号格式不正确：只能包含数字、开头的 + 和 -，长度 5–20 位",
                    ));
                }
                if !phones.iter().any(|p| p == phone) {
                    phones.push(phone.to_owned());
                }
            }
            if phones.len() > MAX_REMARK_MOBILES {
                return Err(ApiError::invalid_field(
                    "remark_mobiles",
                    format!("备注手机号最多 {MAX_REMARK_MOBILES} 个"),
                ));
            }
            Some(phones)
        }
    };
    Ok(Checked {
        remark,
        description,
        remark_mobiles,
    })
}

/// Edits the remark, description and remark phones of one relationship in WeCom, then stores
/// them on the relationship. A consultant may edit only their own relationships.
#[utoipa::path(patch, path = "/api/customers/{external_userid}/relationships/{userid}", tag = "customers",
    params(
        ("external_userid" = String, Path, description = "WeCom external_userid"),
        ("userid" = String, Path, description = "The follow-member's WeCom userid"),
    ),
    request_body = RemarkPatch,
    responses((status = 200, body = RelationshipView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn edit_remark(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath((external_userid, userid)): ApiPath<(String, String)>,
    ApiJson(req): ApiJson<RemarkPatch>,
) -> ApiResult<Json<RelationshipView>> {
    let checked = check(req)?;
    if caller.role == Some(Role::Consultant) && caller.userid.as_deref() != Some(userid.as_str()) {
        return Err(ApiError::forbidden("只能修改自己对客户的备注"));
    }
    let repo = state.customers();
    let Some(rel) = repo.get_relationship(&external_userid, &userid).await? else {
        return Err(ApiError::not_found("该成员与客户的关系"));
    };
    if rel.status == RelationshipStatus::Ended {
        return Err(ApiError::conflict(
            "该成员与客户的好友关系已结束，无法修改备注",
        ));
    }
    state
        .wecom
        .remark(&Remark {
            userid: userid.clone(),
            external_userid: external_userid.clone(),
            remark: checked.remark.clone(),
            description: checked.description.clone(),
            // WeCom overwrites the list; `[""]` clears it.
            remark_mobiles: checked.remark_mobiles.as_ref().map(|m| {
                if m.is_empty() {
                    vec![String::new()]
                } else {
                    m.clone()
                }
            }),
            ..Remark::default()
        })
        .await
        .map_err(|e| refused(&e))?;
    let now = state.clock.now_ms();
    let updated = repo
        .update_relationship(&external_userid, &userid, |current| {
            let mut rel = current?;
            if let Some(v) = &checked.remark {
                rel.remark.clone_from(v);
            }
            if let Some(v) = &checked.description {
                rel.description.clone_from(v);
            }
            if let Some(v) = &checked.remark_mobiles {
                rel.remark_mobiles.clone_from(v);
            }
            rel.updated_at_ms = now;
            Some(rel)
        })
        .await?
        .unwrap_or(rel);
    let mut fields = Vec::new();
    if checked.remark.is_some() {
        fields.push("remark".to_owned());
    }
    if checked.description.is_some() {
        fields.push("description".to_owned());
    }
    if checked.remark_mobiles.is_some() {
        fields.push("remark_mobiles".to_owned());
    }
    state
        .audited(
            &caller,
            "customer.remark",
            &format!("{external_userid}/{userid}"),
            fields,
        )
        .await?;
    Ok(Json((&updated).into()))
}

/// WeCom's refusal in the remark's words: not (or no longer) a friend, an unknown customer.
fn refused(e: &WeComError) -> ApiError {
    match e.errcode() {
        Some(errcode::NOT_A_FRIEND) => ApiError::conflict(
            "企业微信中该客户已不是该成员的好友（已删除或尚未通过验证），无法修改备注",
        ),
        Some(errcode::INVALID_EXTERNAL_USERID) => {
            ApiError::conflict("企业微信不认识该客户 ID，或该成员不在应用可见范围内，无法修改备注")
        }
        _ => ApiError::wecom(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remark_mobiles_are_digits_with_plus_and_dashes() {
        assert!(valid_remark_mobile("13800138000"));
        assert!(valid_remark_mobile("+86-138-0013-8000"));
        assert!(valid_remark_mobile("0571-88886666"));
        assert!(!valid_remark_mobile("1234"));
        assert!(!valid_remark_mobile("138abc00000"));
        assert!(!valid_remark_mobile("-13800138000"));
        assert!(!valid_remark_mobile("1380013800012345678901"));
    }

    #[test]
    fn check_names_the_field_and_clears_with_an_empty_list() {
        let long = RemarkPatch {
            remark: Some("一".repeat(21)),
            description: None,
            remark_mobiles: None,
        };
        assert_eq!(
            check(long).err().and_then(|e| e.field),
            Some("remark".to_owned())
        );
        let cleared = check(RemarkPatch {
            remark: None,
            description: None,
            remark_mobiles: Some(vec![" ".into()]),
        });
        assert_eq!(cleared.ok().and_then(|c| c.remark_mobiles), Some(vec![]));
    }
}
