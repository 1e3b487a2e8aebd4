import { Body, type PipeTransform } from '@nestjs/common';
import { type BodySchema, compileBodySchema } from '../schema/request-body.js';

/** Route metadata: the JSON Schema of the route's request body (for the OpenAPI document). */
export const BODY_SCHEMA_KEY = 'steward:body-schema';

/**
 * The request body, checked against `schema` (compiled once, when the route class is defined)
 * after the guard has admitted the request: a body that does not fit is answered 422 with every
 * problem. No body at all is checked as `{}`, so required fields are named. The schema is kept on
 * the handler under BODY_SCHEMA_KEY.
 */
export function ValidBody<T>(schema: BodySchema<T>): ParameterDecorator {
  const check = compileBodySchema(schema);
  const pipe: PipeTransform<unknown, T> = { transform: (value) => check(value === undefined ? {} : value) };
  const body = Body(pipe);
  return (target, key, index) => {
    if (key !== undefined)
      Reflect.defineMetadata(BODY_SCHEMA_KEY, schema, (target as Record<string | symbol, object>)[key]);
    body(target, key, index);
  };
}
