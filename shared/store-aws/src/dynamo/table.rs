//! The table definition: [`create_table`].

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TableStatus, TimeToLiveSpecification,
};
use ports::StoreError;

use super::codec::{ATTR_PK, ATTR_SK, ATTR_TTL, INDEXES};
use super::error::sdk_error;

/// Creates the table the store expects: `pk`/`sk` keys, indexes `gsi1`..`gsi3` (keys
/// `gsiNpk`/`gsiNsk`, all attributes projected), on-demand billing and TTL on `ttl`. Waits until
/// the table is active. This is the layout `template.yaml` declares.
pub async fn create_table(client: &Client, name: &str) -> Result<(), StoreError> {
    let build_err = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Invalid(e.to_string());
    let key_element = |attr: &str, key_type: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(attr)
            .key_type(key_type)
            .build()
            .map_err(build_err)
    };
    let string_attr = |attr: &str| {
        AttributeDefinition::builder()
            .attribute_name(attr)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .map_err(build_err)
    };
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key_element(ATTR_PK, KeyType::Hash)?)
        .key_schema(key_element(ATTR_SK, KeyType::Range)?)
        .attribute_definitions(string_attr(ATTR_PK)?)
        .attribute_definitions(string_attr(ATTR_SK)?);
    for (index, pk_attr, sk_attr) in INDEXES {
        request = request
            .attribute_definitions(string_attr(pk_attr)?)
            .attribute_definitions(string_attr(sk_attr)?)
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(index)
                    .key_schema(key_element(pk_attr, KeyType::Hash)?)
                    .key_schema(key_element(sk_attr, KeyType::Range)?)
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .build()
                    .map_err(build_err)?,
            );
    }
    request
        .send()
        .await
        .map_err(|e| sdk_error("CreateTable", &e))?;

    let mut active = false;
    for _ in 0..120 {
        let described = client
            .describe_table()
            .table_name(name)
            .send()
            .await
            .map_err(|e| sdk_error("DescribeTable", &e))?;
        if described.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
            active = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    if !active {
        return Err(StoreError::Unavailable(format!(
            "table {name} did not become active within 60 s"
        )));
    }

    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name(ATTR_TTL)
                .build()
                .map_err(build_err)?,
        )
        .send()
        .await
        .map_err(|e| sdk_error("UpdateTimeToLive", &e))?;
    Ok(())
}
