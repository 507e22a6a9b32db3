/**
 * Authorization of client calls: the ACLs of the metadata image decide what an authenticated
 * principal may do ({@link io.runnel.broker.auth.Authorizer}).
 */
package io.runnel.broker.auth;
