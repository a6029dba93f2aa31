/**
 * Lambda entry point of every ServerlessCrudApi function: payload 2.0 event → route → operation → response.
 *
 * Init does three cheap things: create the DynamoDB client, read the config (a missing or invalid one fails init
 * with a ConfigError naming the problem), and build the handler. The validation code compiled from a JSON Schema at
 * synth, if any, is beside the config and loads on the first validation.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DYNAMODB_CLIENT_CONFIG } from './dynamodb-client';
import { createHandler } from './handler';
import { loadConfig } from './load-config';
import { validatorsIn } from './validation';

// Created once per execution environment (options in dynamodb-client.ts).
const dynamodb = new DynamoDBClient(DYNAMODB_CLIENT_CONFIG);

export const handler = createHandler(loadConfig(__dirname, process.env), process.env, { dynamodb, validators: validatorsIn(__dirname) });
