export { WeworkConfigPage } from './components/wework-config-page';
