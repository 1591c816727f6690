//! 联系客户统计: `externalcontact/get_user_behavior_data`.

use serde::Deserialize;

use super::WeComClient;
use super::transport::Verb;
use crate::WeComError;
use crate::model::{BehaviorData, UserBehaviorQuery};

#[derive(Deserialize)]
struct BehaviorAnswer {
    #[serde(default)]
    behavior_data: Vec<BehaviorData>,
}

impl WeComClient {
    /// `externalcontact/get_user_behavior_data`: one entry per day of the range, summed over
    /// the members (or departments) asked about.
    pub async fn get_user_behavior_data(
        &self,
        query: &UserBehaviorQuery,
    ) -> Result<Vec<BehaviorData>, WeComError> {
        query
            .validate()
            .map_err(|rule| WeComError::InvalidRequest {
                api: "externalcontact/get_user_behavior_data",
                rule,
            })?;
        let answer: BehaviorAnswer = self
            .call(
                "externalcontact/get_user_behavior_data",
                Verb::Post,
                &[],
                Some(query),
            )
            .await?;
        Ok(answer.behavior_data)
    }
}
