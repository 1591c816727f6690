//! Lambda entry point of the public tracked-link redirect (a Function URL). Wiring only.

use lambda_http::http::Response;
use lambda_http::{Body, Error, Request, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let campaigns = aws_wiring::campaigns_from_env().await?;
    let campaigns = &campaigns;
    lambda_http::run(service_fn(move |request: Request| async move {
        let answer =
            campaigns::redirect::answer(campaigns, request.method(), request.uri().path()).await;
        let (parts, body) = answer.into_parts();
        Ok::<Response<Body>, Error>(Response::from_parts(parts, Body::from(body)))
    }))
    .await
}
