//! Transactions: write operations as TransactWriteItems.

use aws_sdk_dynamodb::types::{ConditionCheck, Delete, Put, TransactWriteItem};
use ports::store::validate_transaction;
use ports::{StoreError, WriteOp};

use super::DynamoStore;
use super::codec::{check_key, encode_item, key};
use super::condition::ConditionExpr;
use super::error::transact_error;

impl DynamoStore {
    /// [`ItemStore::transact`](ports::ItemStore::transact): all the operations in one
    /// TransactWriteItems call.
    pub(super) async fn run_transaction(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        validate_transaction(&ops)?;
        if ops.is_empty() {
            return Ok(());
        }
        let now = self.now();
        let mut items = Vec::with_capacity(ops.len());
        for op in &ops {
            let (pk, sk) = op.key();
            check_key(pk, sk)?;
            items.push(self.transact_item(op, now)?);
        }
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map_err(|e| transact_error(&e))?;
        Ok(())
    }

    fn transact_item(&self, op: &WriteOp, now: i64) -> Result<TransactWriteItem, StoreError> {
        let build_err = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Invalid(e.to_string());
        Ok(match op {
            WriteOp::Put { item, condition } => {
                let cond = ConditionExpr::for_write(*condition, now);
                let put = Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(encode_item(item)?))
                    .set_condition_expression(cond.as_ref().map(|c| c.expression.clone()))
                    .set_expression_attribute_names(cond.as_ref().map(|c| c.names.clone()))
                    .set_expression_attribute_values(cond.and_then(ConditionExpr::values))
                    .build()
                    .map_err(build_err)?;
                TransactWriteItem::builder().put(put).build()
            }
            WriteOp::Delete { pk, sk, condition } => {
                let cond = ConditionExpr::for_write(*condition, now);
                let delete = Delete::builder()
                    .table_name(&self.table)
                    .set_key(Some(key(pk, sk)))
                    .set_condition_expression(cond.as_ref().map(|c| c.expression.clone()))
                    .set_expression_attribute_names(cond.as_ref().map(|c| c.names.clone()))
                    .set_expression_attribute_values(cond.and_then(ConditionExpr::values))
                    .build()
                    .map_err(build_err)?;
                TransactWriteItem::builder().delete(delete).build()
            }
            WriteOp::Check { pk, sk, condition } => {
                let cond = ConditionExpr::for_check(*condition, now);
                let check = ConditionCheck::builder()
                    .table_name(&self.table)
                    .set_key(Some(key(pk, sk)))
                    .condition_expression(cond.expression.clone())
                    .set_expression_attribute_names(Some(cond.names.clone()))
                    .set_expression_attribute_values(cond.values())
                    .build()
                    .map_err(build_err)?;
                TransactWriteItem::builder().condition_check(check).build()
            }
        })
    }
}
